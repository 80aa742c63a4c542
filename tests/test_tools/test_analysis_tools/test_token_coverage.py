from analysis_tools import token_coverage
from helpers.tokenizers import english_bpe_tokenizer

from mmlayout.ocr import write_ocr_json


def test_coverage_table(tmp_path, capsys):
    text = 'Table 1: Results on the validation set of PubLayNet.'
    write_ocr_json(str(tmp_path / 'dense.json'), 600, 1600,
                   [dict(text=text, box=[10, 10 + 12 * i, 500, 20 + 12 * i])
                    for i in range(120)], 'test')
    write_ocr_json(str(tmp_path / 'short.json'), 600, 800,
                   [dict(text='Figure 2.', box=[10, 10, 100, 30])], 'test')
    assert token_coverage.main([str(tmp_path), '--tokenizer',
                                english_bpe_tokenizer()]) == 0
    out = capsys.readouterr().out
    rows = {line.split(' | ')[0][2:]: line.split(' | ')
            for line in out.splitlines() if line.startswith('| ')}
    assert '1 pages hold >= 512' in out
    assert rows['line_cap (default)'][1:3] == ['100.0 %', '100.0 %']
    assert rows['line_cap (default)'][5].startswith('512, 512')
    # the tail setting drops lines of the dense page
    assert float(rows['tail'][1].split()[0]) < 100
