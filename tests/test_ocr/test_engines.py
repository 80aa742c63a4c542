import difflib
import os.path as osp
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mmlayout.ocr import (OCRLine, PaddleOCREngine, build_ocr_engine,
                          paddle_result_to_lines)
from mmlayout.ocr.base import lines_from_quads

FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'

# One page of PaddleOCR 3.x ``predict()`` output, as printed by
# ``res.print()`` (an OCRResult, i.e. a dict; arrays as numpy arrays). The
# detector found 4 boxes, recognition kept 3 (the last one scored below
# text_rec_score_thresh).
PADDLE_RESULT = {
    'input_path': None,
    'page_index': None,
    'model_settings': {
        'use_doc_preprocessor': False,
        'use_textline_orientation': False
    },
    'dt_polys': [
        np.array([[30, 20], [410, 22], [410, 58], [30, 56]], dtype=np.int16),
        np.array([[30, 80], [290, 80], [290, 110], [30, 110]],
                 dtype=np.int16),
        np.array([[32, 130], [250, 128], [251, 160], [33, 162]],
                 dtype=np.int16),
        np.array([[500, 500], [520, 500], [520, 510], [500, 510]],
                 dtype=np.int16),
    ],
    'text_det_params': {
        'limit_side_len': 64,
        'limit_type': 'min',
        'thresh': 0.3,
        'max_side_limit': 4000,
        'box_thresh': 0.6,
        'unclip_ratio': 1.5
    },
    'text_type': 'general',
    'textline_orientation_angles': np.array([-1, -1, -1, -1]),
    'text_rec_score_thresh': 0.0,
    'return_word_box': False,
    'rec_texts': ['文档版面分析 Layout Analysis', '表1：实验结果', '  '],
    'rec_scores': np.array([0.9912, 0.98312, 0.5]),
    'rec_polys': [
        np.array([[30, 20], [410, 22], [410, 58], [30, 56]], dtype=np.int16),
        np.array([[30, 80], [290, 80], [290, 110], [30, 110]],
                 dtype=np.int16),
        np.array([[32, 130], [250, 128], [251, 160], [33, 162]],
                 dtype=np.int16),
    ],
    'rec_boxes': np.array([[30, 20, 410, 58], [30, 80, 290, 110],
                           [32, 128, 251, 162]], dtype=np.int16),
}

EXPECTED = [
    OCRLine('文档版面分析 Layout Analysis', (30.0, 20.0, 410.0, 58.0), 0.9912,
            ((30.0, 20.0), (410.0, 22.0), (410.0, 58.0), (30.0, 56.0))),
    OCRLine('表1：实验结果', (30.0, 80.0, 290.0, 110.0), 0.98312,
            ((30.0, 80.0), (290.0, 80.0), (290.0, 110.0), (30.0, 110.0))),
]


def test_paddle_result_mapping():
    assert paddle_result_to_lines(PADDLE_RESULT) == EXPECTED


def test_paddle_result_json_form():
    # ``res.json``: the same fields under 'res', arrays as lists.
    res = {
        key: (value.tolist() if isinstance(value, np.ndarray) else
              [v.tolist() for v in value] if key.endswith('polys') else value)
        for key, value in PADDLE_RESULT.items()
    }
    assert paddle_result_to_lines({'res': res}) == EXPECTED


def test_paddle_result_boxes_only():
    res = {k: v for k, v in PADDLE_RESULT.items()
           if k not in ('rec_polys', 'dt_polys')}
    lines = paddle_result_to_lines(res)
    assert [line.box for line in lines] == [(30, 20, 410, 58),
                                            (30, 80, 290, 110)]
    assert lines[0].quad == ((30, 20), (410, 20), (410, 58), (30, 58))


def test_paddle_result_empty():
    res = dict(PADDLE_RESULT, rec_texts=[], rec_scores=np.zeros(0),
               rec_polys=[], rec_boxes=np.zeros((0, 4), np.int16), dt_polys=[])
    assert paddle_result_to_lines(res) == []
    with pytest.raises(ValueError, match='rec_texts'):
        paddle_result_to_lines({'dt_polys': []})


def test_paddle_engine_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, 'paddleocr', None)
    with pytest.raises(ImportError, match=r"mmlayout\[paddle\]"):
        PaddleOCREngine()
    with pytest.raises(ImportError, match='paddleocr>=3.0'):
        build_ocr_engine('paddleocr', lang='en')


def test_rapidocr_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, 'rapidocr', None)
    with pytest.raises(ImportError, match=r"mmlayout\[ocr\]"):
        build_ocr_engine('rapidocr')


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown OCR engine 'tesseract'"):
        build_ocr_engine('tesseract')


def test_lines_from_quads():
    quads = np.array([[[1, 2], [9, 2], [9, 6], [1, 6]],
                      [[0, 0], [1, 0], [1, 1], [0, 1]]], dtype=np.float32)
    lines = lines_from_quads(quads, ['ab', ' '], [0.5, 0.9])
    assert lines == [
        OCRLine('ab', (1, 2, 9, 6), 0.5, ((1, 2), (9, 2), (9, 6), (1, 6)))
    ]
    with pytest.raises(ValueError, match='2 polygons, 1 texts'):
        lines_from_quads(quads, ['ab'], [0.5])


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() > 0.8


def test_rapidocr_reads_rendered_text():
    pytest.importorskip('onnxruntime')
    pytest.importorskip('rapidocr')
    font_file = FONT if osp.exists(FONT) else 'DejaVuSans.ttf'
    font = ImageFont.truetype(font_file, 28)
    image = Image.new('RGB', (480, 160), 'white')
    draw = ImageDraw.Draw(image)
    drawn = [('Layout analysis 2024', (20, 20))]
    if font_file == FONT:
        drawn.append(('文档版面分析', (20, 90)))
    for text, xy in drawn:
        draw.text(xy, text, fill='black', font=font)

    engine = build_ocr_engine('rapidocr', lang='ch', num_threads=1)
    assert engine.version.startswith('rapidocr 3.')
    lines = engine(np.asarray(image))
    assert len(lines) == len(drawn)
    lines = sorted(lines, key=lambda line: line.box[1])
    for (text, (x, y)), line in zip(drawn, lines):
        assert _similar(line.text, text), line
        box = draw.textbbox((x, y), text, font=font)
        x0, y0, x1, y1 = line.box
        # the line box covers the drawn text, with a small margin
        assert x0 <= box[0] + 2 and y0 <= box[1] + 2
        assert x1 >= box[2] - 2 and y1 >= box[3] - 2
        assert x1 - x0 < (box[2] - box[0]) + 30
        assert 0 < line.score <= 1 and len(line.quad) == 4
