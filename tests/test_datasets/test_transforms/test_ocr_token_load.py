import json
import os.path as osp

import numpy as np
import pytest
from helpers.ocr_pages import make_page
from helpers.tokenizers import chinese_unigram_tokenizer, english_bpe_tokenizer
from transformers import AutoTokenizer

from mmlayout.datasets.transforms import OCRTokenLoad
from mmlayout.datasets.transforms.ocr_token_load import (fit_lines_to_budget,
                                                         keep_leading_lines)
from mmlayout.ocr import OCRFormatError, OCRLine

LINES_EN = [
    ('Deep learning for document layout analysis.', (40, 20, 560, 50)),
    ('Table 1: Results on the validation set.', (40, 70, 400, 95)),
]
LINES_ZH = [
    ('文档版面分析是文档理解的重要步骤。', (40, 20, 560, 50)),
    ('表1：验证集上的实验结果。', (40, 70, 400, 95)),
]


def _ids(tokenizer_dir, text):
    return AutoTokenizer.from_pretrained(tokenizer_dir)(
        text, add_special_tokens=False)['input_ids']


def _load(tmp_path, lines, tokenizer=None, size=(600, 400), **kwargs):
    img_path = make_page(str(tmp_path), 'page', size, lines, draw=False)
    transform = OCRTokenLoad(
        tokenizer=tokenizer or english_bpe_tokenizer(),
        ocr_root=str(tmp_path / 'ocr'), **kwargs)
    return transform(dict(img_path=img_path))


@pytest.mark.parametrize('tokenizer, lines', [
    (english_bpe_tokenizer, LINES_EN),
    (chinese_unigram_tokenizer, LINES_ZH),
])
def test_tokens_and_line_boxes(tmp_path, tokenizer, lines):
    results = _load(tmp_path, lines, tokenizer())
    first, second = (_ids(tokenizer(), text) for text, _ in lines)
    assert results['text_input_ids'].tolist() == [0, *first, *second, 2]
    assert results['text_input_ids'].dtype == np.int64
    assert results['text_line_index'].tolist() == (
        [-1] + [0] * len(first) + [1] * len(second) + [-1])
    np.testing.assert_array_equal(results['text_line_bboxes'],
                                  [box for _, box in lines])
    assert results['text_line_bboxes'].dtype == np.float32
    assert results['text_ocr_shape'] == (400, 600)
    assert results['text_pad_token_id'] == 1
    assert results['text_ocr_path'] == str(tmp_path / 'ocr' / 'page.json')


def test_boxes_sorted_and_clipped(tmp_path):
    lines = [
        ('inside', (50, 25, 100, 50)),
        ('outside', (150, 80, 260, 130)),
        ('negative', (-20, -10, 40, 20)),
        ('zero', (100, 50, 100, 50)),
        ('reversed', (100, 50, 50, 25)),
        ('far', (300, 200, 400, 300)),
    ]
    results = _load(tmp_path, lines, size=(200, 100), min_column_gap=0.9)
    boxes = {tuple(b) for b in results['text_line_bboxes'].tolist()}
    assert boxes == {(50, 25, 100, 50), (150, 80, 200, 100), (0, 0, 40, 20),
                     (100, 50, 100, 50), (200, 100, 200, 100)}
    assert len(results['text_line_bboxes']) == 6


def test_ocr_beside_image_and_legacy(tmp_path):
    (tmp_path / 'scan.json').write_text(json.dumps({
        'bbox': [[10, 10, 200, 30]], 'words': ['Results on PubLayNet'],
        'W': 300, 'H': 200}))
    transform = OCRTokenLoad(tokenizer=english_bpe_tokenizer())
    results = transform(dict(img_path=str(tmp_path / 'scan.jpg')))
    ids = _ids(english_bpe_tokenizer(), 'Results on PubLayNet')
    assert results['text_input_ids'].tolist() == [0, *ids, 2]
    assert results['text_line_bboxes'].tolist() == [[10, 10, 210, 40]]
    assert results['text_ocr_shape'] == (200, 300)


def test_ocr_root_relative_to_the_image_folder(tmp_path):
    img_path = make_page(str(tmp_path), 'page', (600, 400), LINES_EN,
                         draw=False)  # images/page.png and ocr/page.json
    transform = OCRTokenLoad(tokenizer=english_bpe_tokenizer(),
                             ocr_root='{img_dir}/../ocr')
    results = transform(dict(img_path=img_path))
    assert results['text_ocr_path'] == str(tmp_path / 'ocr' / 'page.json')
    assert len(results['text_line_bboxes']) == 2


def test_empty_ocr(tmp_path):
    results = _load(tmp_path, [('', (1, 2, 3, 4)), ('  ', (1, 2, 3, 4))])
    assert results['text_input_ids'].tolist() == [0, 2]
    assert results['text_line_index'].tolist() == [-1, -1]
    assert results['text_line_bboxes'].shape == (0, 4)
    results = _load(tmp_path, [])
    assert results['text_input_ids'].tolist() == [0, 2]


def test_missing_ocr_file(tmp_path):
    image = str(tmp_path / 'images' / 'lost.png')
    transform = OCRTokenLoad(
        tokenizer=english_bpe_tokenizer(), ocr_root=str(tmp_path / 'ocr'))
    with pytest.raises(FileNotFoundError) as info:
        transform(dict(img_path=image))
    assert str(tmp_path / 'ocr' / 'lost.json') in str(info.value)
    assert "on_missing='empty'" in str(info.value)

    transform = OCRTokenLoad(
        tokenizer=english_bpe_tokenizer(), ocr_root=str(tmp_path / 'ocr'),
        on_missing='empty')
    results = transform(dict(img_path=image))
    assert results['text_input_ids'].tolist() == [0, 2]
    assert results['text_line_bboxes'].shape == (0, 4)
    assert results['text_ocr_shape'] is None


def test_malformed_ocr_file(tmp_path):
    (tmp_path / 'ocr').mkdir()
    path = tmp_path / 'ocr' / 'page.json'
    path.write_text('{"width": 10, "height": 10, "lines": '
                    '[{"text": "a", "box": [1, 2, "x", 4]}]}')
    transform = OCRTokenLoad(
        tokenizer=english_bpe_tokenizer(), ocr_root=str(tmp_path / 'ocr'))
    with pytest.raises(OCRFormatError) as info:
        transform(dict(img_path='somewhere/page.png'))
    assert str(path) in str(info.value) and 'lines[0].box' in str(info.value)
    path.write_text('{"width": 10, ')
    with pytest.raises(OCRFormatError, match='not valid JSON'):
        transform(dict(img_path='somewhere/page.png'))


def test_tail_truncation_keeps_whole_leading_lines(tmp_path):
    text = 'Table 1: Results on the validation set of PubLayNet.'
    per_line = len(_ids(english_bpe_tokenizer(), text))
    lines = [(f'{text}', (10, 10 + 12 * i, 500, 20 + 12 * i))
             for i in range(120)]
    results = _load(tmp_path, lines, size=(600, 1500), truncation='tail')
    ids = results['text_input_ids']
    kept = 510 // per_line
    assert len(ids) == 2 + kept * per_line <= 512
    assert ids[-1] == 2 and ids[0] == 0
    assert len(results['text_line_bboxes']) == kept
    np.testing.assert_array_equal(results['text_line_bboxes'][:, 1],
                                  10 + 12 * np.arange(kept))

    results = _load(tmp_path, lines, size=(600, 1500), truncation='tail',
                    max_tokens_per_line=5)
    assert len(results['text_input_ids']) == 512  # 102 lines of 5 tokens
    assert np.bincount(results['text_line_index'][1:-1]).tolist() == [5] * 102

    results = _load(tmp_path, lines, size=(600, 1500), max_tokens=64,
                    truncation='tail')
    assert len(results['text_input_ids']) == 2 + 62 // per_line * per_line


def test_line_cap_keeps_every_line_of_a_long_page(tmp_path):
    texts = ['Table 1: Results on the validation set of PubLayNet.',
             'Figure 2.', 'The quick brown fox jumps over the lazy dog.']
    lines = [(texts[i % 3], (10, 10 + 12 * i, 500, 20 + 12 * i))
             for i in range(120)]
    counts = [len(_ids(english_bpe_tokenizer(), t)) for t in texts]
    results = _load(tmp_path, lines, size=(600, 1500))
    ids, line_index = results['text_input_ids'], results['text_line_index']
    assert len(ids) == 512 and ids[0] == 0 and ids[-1] == 2
    # every line keeps tokens, in reading order (top to bottom)
    assert len(results['text_line_bboxes']) == 120
    np.testing.assert_array_equal(results['text_line_bboxes'][:, 1],
                                  10 + 12 * np.arange(120))
    per_line = np.bincount(line_index[1:-1], minlength=120)
    short = np.array([counts[i % 3] for i in range(120)]) <= per_line.min()
    # short lines whole, long ones cut to one cap (+1 for the first few)
    assert per_line.max() - per_line[~short].min() <= 1
    assert (per_line[short] == np.array(counts * 40)[short]).all()
    # each line keeps its first tokens
    for line in (0, 1, 119):
        first = _ids(english_bpe_tokenizer(), texts[line % 3])
        assert ids[line_index == line].tolist() == first[:per_line[line]]


def test_line_cap_with_a_huge_line_and_many_short_lines(tmp_path):
    huge = ' '.join(['Deep learning for document layout analysis.'] * 80)
    short = len(_ids(english_bpe_tokenizer(), 'Table'))
    lines = [(huge, (0, 0, 500, 30))] + [
        ('Table', (10, 40 + 5 * i, 60, 44 + 5 * i)) for i in range(100)]
    results = _load(tmp_path, lines, size=(600, 1600))
    per_line = np.bincount(results['text_line_index'][1:-1])
    assert len(results['text_input_ids']) == 512
    # the short lines keep all their tokens, the huge one the rest
    assert len(per_line) == 101 and per_line[0] == 510 - 100 * short
    assert (per_line[1:] == short).all()


def test_line_cap_with_more_lines_than_tokens(tmp_path):
    lines = [('Table', (10, 40 + 5 * i, 60, 44 + 5 * i)) for i in range(300)]
    results = _load(tmp_path, lines, size=(600, 1600), max_tokens=52)
    kept_y = results['text_line_bboxes'][:, 1]
    # whole lines dropped, one token each for 50 lines spread over the page
    assert len(results['text_input_ids']) == 52 and len(kept_y) == 50
    assert kept_y[0] == 40 and kept_y[-1] == 40 + 5 * 299  # first and last
    assert np.diff(kept_y).max() <= 2 * 5 * 300 / 50


def test_fit_lines_to_budget_properties():
    rng = np.random.default_rng(0)
    for _ in range(300):
        counts = rng.integers(1, rng.integers(2, 60), rng.integers(1, 400))
        budget = int(rng.integers(0, 700))
        keep = fit_lines_to_budget(counts, budget)
        assert keep.sum() == min(counts.sum(), budget)
        assert (keep <= counts).all() and (keep >= 0).all()
        if len(counts) <= budget:
            assert (keep >= 1).all()
            cut = keep < counts
            if cut.any():  # one cap: cut lines differ by at most one token
                cap = keep[cut].min()
                assert keep[cut].max() <= cap + 1
                assert (keep[~cut] <= cap + 1).all()
        else:
            assert set(keep.tolist()) <= {0, 1}
            assert keep[0] == keep[-1] == (1 if budget else 0)
    assert fit_lines_to_budget(np.zeros(0, int), 10).tolist() == []
    assert keep_leading_lines(np.array([3, 4, 5]), 8).tolist() == [3, 4, 0]
    assert keep_leading_lines(np.array([9, 1]), 8).tolist() == [8, 0]


def test_truncates_a_too_long_first_line(tmp_path):
    text = ' '.join(['Deep learning for document layout analysis.'] * 80)
    for truncation in ('line_cap', 'tail'):
        results = _load(tmp_path, [(text, (0, 0, 500, 30))],
                        truncation=truncation)
        ids = results['text_input_ids'].tolist()
        assert len(ids) == 512
        assert ids[1:-1] == _ids(english_bpe_tokenizer(), text)[:510]


def test_reading_order_two_columns(tmp_path):
    lines = [('Right column one', (320, 100, 580, 120)),
             ('Left column two', (20, 130, 280, 150)),
             ('A title across', (100, 20, 500, 50)),
             ('Left column one', (20, 100, 280, 120)),
             ('Right column two', (320, 130, 580, 150))]
    results = _load(tmp_path, lines)
    order = [1 + results['text_line_bboxes'].tolist().index(list(box))
             for _, box in lines]
    # title, left column, right column
    assert order == [4, 3, 1, 2, 5]


def test_never_truncates_lines(tmp_path):
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    # a tokenizer.json that truncates to 4 tokens must not cut lines
    backend = Tokenizer.from_file(
        osp.join(english_bpe_tokenizer(), 'tokenizer.json'))
    backend.enable_truncation(max_length=4)
    path = str(tmp_path / 'truncating')
    PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token='<s>', eos_token='</s>',
        pad_token='<pad>').save_pretrained(path)
    text = LINES_EN[0][0]
    results = _load(tmp_path, LINES_EN[:1], tokenizer=path)
    assert results['text_input_ids'].tolist() == [
        0, *_ids(english_bpe_tokenizer(), text), 2]


@pytest.mark.parametrize('kwargs, message', [
    (dict(max_tokens=1), 'max_tokens'),
    (dict(max_tokens_per_line=0), 'max_tokens_per_line'),
    (dict(on_missing='skip'), 'on_missing'),
    (dict(truncation='head'), 'truncation'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OCRTokenLoad(tokenizer=english_bpe_tokenizer(), **kwargs)


def test_missing_tokenizer_names_the_config_key(tmp_path):
    with pytest.raises(OSError, match='config key `tokenizer`') as error:
        OCRTokenLoad(tokenizer=str(tmp_path / 'no_tokenizer_here'))
    assert 'build_tokenizer.py' in str(error.value)
    with pytest.raises(ValueError, match='config key `tokenizer`'):
        OCRTokenLoad(tokenizer=None)


def test_lines_given_instead_of_a_file(tmp_path):
    from_file = _load(tmp_path, LINES_EN)
    transform = OCRTokenLoad(tokenizer=english_bpe_tokenizer())
    lines = [OCRLine(text, box) for text, box in LINES_EN]
    given = transform(dict(ocr_lines=lines, ocr_shape=(400, 600)))
    for key in ('text_input_ids', 'text_line_index', 'text_line_bboxes'):
        np.testing.assert_array_equal(given[key], from_file[key])
    assert given['text_ocr_shape'] == (400, 600)
    assert given['text_ocr_path'] is None
    with pytest.raises(KeyError, match='ocr_shape'):
        transform(dict(ocr_lines=lines))
    with pytest.raises(KeyError, match='img_path'):
        transform(dict())
