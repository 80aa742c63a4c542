import pytest
from transformers import AutoTokenizer

import build_tokenizer
from mmlayout.ocr import write_ocr_json


@pytest.mark.parametrize('kind', ['bpe', 'unigram'])
def test_tokenizer_from_ocr_folders(tmp_path, kind):
    lines = [dict(text=f'Figure {i}: results of layout analysis number {i}',
                  box=[0, 10 * i, 100, 10 * i + 8]) for i in range(50)]
    for name in ('a', 'b'):
        write_ocr_json(str(tmp_path / 'ocr' / f'{name}.json'), 100, 600,
                       lines, 'test')
    (tmp_path / 'ocr' / 'coco.json').write_text('{"images": []}')
    assert build_tokenizer.main([str(tmp_path / 'ocr'), '--out',
                                 str(tmp_path / 'tok'), '--kind', kind,
                                 '--vocab-size', '300']) == 0
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path / 'tok'))
    assert tokenizer.pad_token_id == 1 and tokenizer.cls_token_id == 0
    assert 5 < len(tokenizer) <= 300
    ids = tokenizer('Figure 7: results', add_special_tokens=False)[
        'input_ids']
    assert 0 < len(ids) < len('Figure 7: results')


def test_folder_without_text(tmp_path):
    write_ocr_json(str(tmp_path / 'empty.json'), 10, 10, [], 'test')
    with pytest.raises(ValueError, match='hold no text'):
        build_tokenizer.main([str(tmp_path), '--out', str(tmp_path / 't')])
    with pytest.raises(FileNotFoundError, match='no \\*.json'):
        build_tokenizer.main([str(tmp_path / 'none'), '--out', 'x'])
