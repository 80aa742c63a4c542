import json
import os

import pytest

from mmlayout.ocr import OCRFormatError, OCRLine, load_ocr_json, write_ocr_json


def _write(tmp_path, payload, name='page.json'):
    path = tmp_path / name
    path.write_text(
        payload if isinstance(payload, str) else json.dumps(payload),
        encoding='utf-8')
    return str(path)


def test_round_trip(tmp_path):
    path = str(tmp_path / 'sub' / 'page.json')
    lines = [
        OCRLine('Title', (10, 20, 110, 40), 0.99,
                ((10, 20), (110, 20), (110, 40), (10, 40))),
        dict(text='标题', box=[5.5, 60, 50, 80]),
    ]
    write_ocr_json(path, 200, 300, lines, 'test 1.0')
    width, height, loaded = load_ocr_json(path)
    assert (width, height) == (200, 300)
    assert loaded == [
        OCRLine('Title', (10.0, 20.0, 110.0, 40.0), 0.99,
                ((10.0, 20.0), (110.0, 20.0), (110.0, 40.0), (10.0, 40.0))),
        OCRLine('标题', (5.5, 60.0, 50.0, 80.0)),
    ]
    assert json.load(open(path, encoding='utf-8'))['engine'] == 'test 1.0'
    assert [p.name for p in (tmp_path / 'sub').iterdir()] == ['page.json']
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_legacy_form(tmp_path):
    path = _write(tmp_path, {
        'bbox': [[10, 20, 30, 5], [0, 0, 0, 0], [50, 50, -10, -5]],
        'words': ['a line', 'empty box', 'reversed'],
        'W': 100, 'H': 80
    })
    width, height, lines = load_ocr_json(path)
    assert (width, height) == (100, 80)
    assert [line.box for line in lines] == [(10, 20, 40, 25), (0, 0, 0, 0),
                                            (50, 50, 40, 45)]
    assert [line.text for line in lines] == ['a line', 'empty box',
                                             'reversed']


def test_empty_page(tmp_path):
    path = _write(tmp_path, {'width': 10, 'height': 10, 'lines': []})
    assert load_ocr_json(path) == (10, 10, [])


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_ocr_json(str(tmp_path / 'nope.json'))


@pytest.mark.parametrize('payload, field', [
    ('{"width": 10, "height": 10, "lines": [', 'not valid JSON'),
    ('[1, 2]', "'width', 'height' and 'lines'"),
    ({'width': 10, 'height': 10}, "'lines' is missing"),
    ({'width': 0, 'height': 10, 'lines': []}, "'width'"),
    ({'width': 10, 'height': True, 'lines': []}, "'height'"),
    ({'width': 10, 'height': 10, 'lines': {}}, "'lines'"),
    ({'width': 10, 'height': 10, 'lines': ['text']}, "'lines[0]'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 'a', 'box': [1, 2, 3, 4]},
                {'text': 'b', 'box': [1, 2, 3]}]}, "'lines[1].box'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 'a', 'box': [1, '2', 3, 4]}]}, "'lines[0].box'"),
    ('{"width": 10, "height": 10, "lines": '
     '[{"text": "a", "box": [1, NaN, 3, 4]}]}', "'lines[0].box'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 7, 'box': [1, 2, 3, 4]}]}, "'lines[0].text'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 'a', 'box': [1, 2, 3, 4], 'score': 'high'}]},
     "'lines[0].score'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 'a', 'box': [1, 2, 3, 4], 'quad': [[1, 2]]}]},
     "'lines[0].quad'"),
    ({'width': 10, 'height': 10,
      'lines': [{'text': 'a', 'box': [1, 2, 3, 4],
                 'quad': [[1, 2], [3, 4], [5], [7, 8]]}]},
     "'lines[0].quad[2]'"),
    ({'bbox': [[1, 2, 3, 4]], 'words': ['a', 'b'], 'W': 5, 'H': 5},
     "'bbox' has 1 entries but field 'words' has 2"),
    ({'bbox': [[1, 2, 3]], 'words': ['a'], 'W': 5, 'H': 5}, "'bbox[0]'"),
    ({'bbox': [[1, 2, 3, 4]], 'words': [None], 'W': 5, 'H': 5},
     "'words[0]'"),
    ({'bbox': [], 'words': [], 'H': 5}, "'W'"),
])
def test_malformed_names_file_and_field(tmp_path, payload, field):
    path = _write(tmp_path, payload)
    with pytest.raises(OCRFormatError) as info:
        load_ocr_json(path)
    assert path in str(info.value)
    assert field in str(info.value)


def test_line_to_dict():
    assert OCRLine('a', (1, 2, 3, 4)).to_dict() == dict(
        text='a', box=[1, 2, 3, 4])
    quad = ((1, 2), (3, 2), (3, 4), (1, 4))
    assert OCRLine('a', (1, 2, 3, 4), 0.5, quad).to_dict() == dict(
        text='a', box=[1, 2, 3, 4], score=0.5,
        quad=[[1, 2], [3, 2], [3, 4], [1, 4]])
