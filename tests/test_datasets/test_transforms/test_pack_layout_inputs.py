import numpy as np
import pytest
import torch
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from mmcv.transforms import Compose, LoadImageFromFile
from mmcv.transforms import RandomChoiceResize
from mmcv.transforms import RandomFlip as MMCVRandomFlip
from mmcv.transforms import Resize as MMCVResize

from mmdet.datasets.transforms import (Expand, Pad, RandomCrop, RandomFlip,
                                       Resize, Rotate)
from mmlayout.datasets.transforms import OCRTokenLoad, PackLayoutInputs

# Lines of a 300 x 200 page, one token-box each side of the page.
LINES = [
    ('Deep learning', (20, 10, 140, 30)),
    ('Table 1', (200, 40, 280, 60)),
    ('Results on the validation set.', (20, 120, 260, 150)),
    ('The quick fox.', (150, 170, 290, 190)),
]


def _pipeline(tmp_path, transforms, size=(300, 200), ocr_size=None,
              lines=LINES):
    img_path = make_page(str(tmp_path), 'page', size, lines, ocr_size)
    pipeline = Compose([
        LoadImageFromFile(),
        OCRTokenLoad(
            tokenizer=english_bpe_tokenizer(), ocr_root=str(tmp_path / 'ocr')),
        *transforms,
        PackLayoutInputs(),
    ])
    return pipeline(dict(img_path=img_path))


def _check_alignment(packed):
    """Every token box covers black pixels only, and every black pixel lies
    in a token box (the page paints exactly the OCR boxes black)."""
    sample = packed['data_samples']
    image = packed['inputs'].numpy().transpose(1, 2, 0)
    valid_h, valid_w = sample.valid_shape
    dark = image[:valid_h, :valid_w].mean(-1) < 128
    boxes = sample.text.bboxes.numpy()
    text_boxes = np.unique(boxes[(boxes != 0).any(1)], axis=0)
    assert len(text_boxes) == len(LINES)
    covered = np.zeros_like(dark)
    for box in text_boxes:
        x0, x1 = np.round(box[[0, 2]] / 1000 * valid_w).astype(int)
        y0, y1 = np.round(box[[1, 3]] / 1000 * valid_h).astype(int)
        assert dark[y0 + 1:y1 - 1, x0 + 1:x1 - 1].all()
        covered[max(y0 - 1, 0):y1 + 1, max(x0 - 1, 0):x1 + 1] = True
    assert not (dark & ~covered).any()
    assert (boxes[[0, -1]] == 0).all()


def test_no_geometry(tmp_path):
    packed = _pipeline(tmp_path, [])
    sample = packed['data_samples']
    assert sample.valid_shape == (200, 300) == sample.img_shape
    assert sample.text.input_ids.dtype == torch.long
    assert sample.text.bboxes.dtype == torch.long
    assert sample.text.bboxes.shape == (len(sample.text.input_ids), 4)
    assert sample.text.metainfo['pad_token_id'] == 1
    # Deep learning: (20, 10, 140, 30) on 300 x 200
    assert sample.text.bboxes[1].tolist() == [67, 50, 467, 150]
    _check_alignment(packed)


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_resize_and_flip_keep_boxes_on_their_pixels(tmp_path, direction):
    packed = _pipeline(tmp_path, [
        Resize(scale=(450, 260), keep_ratio=False),
        RandomFlip(prob=1.0, direction=direction),
    ])
    sample = packed['data_samples']
    assert sample.img_shape == (260, 450) == sample.valid_shape
    assert sample.flip and sample.flip_direction == direction
    _check_alignment(packed)


def test_random_resize_flip_and_pad(tmp_path):
    packed = _pipeline(tmp_path, [
        RandomChoiceResize(
            scales=[(500, 333)], keep_ratio=True, resize_type='mmdet.Resize'),
        RandomFlip(prob=1.0),
        Pad(size_divisor=32),
    ])
    sample = packed['data_samples']
    assert sample.img_shape == (352, 512)
    assert sample.valid_shape == (333, 500)
    _check_alignment(packed)


def test_ocr_at_another_resolution(tmp_path):
    lines = [(text, tuple(2 * v for v in box)) for text, box in LINES]
    packed = _pipeline(tmp_path, [Resize(scale=(150, 100))],
                       ocr_size=(600, 400), lines=lines)
    _check_alignment(packed)


def test_ocr_of_another_image(tmp_path):
    with pytest.raises(ValueError, match='another aspect ratio') as info:
        _pipeline(tmp_path, [], ocr_size=(300, 300))
    assert str(tmp_path / 'ocr' / 'page.json') in str(info.value)


@pytest.mark.parametrize('transform', [
    RandomCrop(crop_size=(100, 100)),
    Rotate(prob=1.0, level=10, max_mag=20.0),
    Expand(mean=(0, 0, 0), ratio_range=(2, 3), prob=1.0),
    MMCVResize(scale=(150, 100)),
    MMCVRandomFlip(prob=1.0),
])
def test_unsupported_transform_raises(tmp_path, transform):
    with pytest.raises(ValueError, match='not supported'):
        _pipeline(tmp_path, [transform])


def test_empty_text(tmp_path):
    packed = _pipeline(tmp_path, [Resize(scale=(150, 100))], lines=[])
    text = packed['data_samples'].text
    assert text.input_ids.tolist() == [0, 2]
    assert text.bboxes.tolist() == [[0, 0, 0, 0]] * 2


def test_needs_ocr_token_load():
    pack = PackLayoutInputs()
    with pytest.raises(KeyError, match='OCRTokenLoad'):
        pack(dict(img=np.zeros((4, 4, 3), np.uint8), img_shape=(4, 4),
                  ori_shape=(4, 4)))
