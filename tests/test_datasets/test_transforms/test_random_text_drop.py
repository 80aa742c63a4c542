import numpy as np
import pytest
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from mmcv.transforms import Compose, LoadImageFromFile

from mmlayout.datasets.transforms import (OCRTokenLoad, PackLayoutInputs,
                                          RandomTextDrop)

LINES = [('Deep learning', (20, 10, 140, 30)),
         ('Table 1', (200, 40, 280, 60))]


def _texts(tmp_path, prob, num_pages):
    img_path = make_page(str(tmp_path), 'page', (300, 200), LINES)
    pipeline = Compose([
        LoadImageFromFile(),
        OCRTokenLoad(
            tokenizer=english_bpe_tokenizer(), ocr_root=str(tmp_path / 'ocr')),
        RandomTextDrop(prob=prob),
        PackLayoutInputs(),
    ])
    return [
        pipeline(dict(img_path=img_path))['data_samples'].text
        for _ in range(num_pages)
    ]


def test_dropped_page_is_a_page_without_text(tmp_path):
    np.random.seed(0)
    text, = _texts(tmp_path, 1.0, 1)
    # as OCRTokenLoad gives a page whose OCR found nothing
    assert text.input_ids.tolist() == [0, 2]
    assert text.bboxes.tolist() == [[0, 0, 0, 0]] * 2
    kept, = _texts(tmp_path, 0.0, 1)
    assert len(kept.input_ids) > 2 and kept.bboxes.any()


def test_drops_at_the_rate_asked(tmp_path):
    np.random.seed(0)
    texts = _texts(tmp_path, 0.25, 200)
    dropped = sum(len(text.input_ids) == 2 for text in texts)
    assert 30 <= dropped <= 70  # 50 expected; binomial sd 6.1


def test_bad_arguments_and_order():
    with pytest.raises(ValueError, match='prob must be in'):
        RandomTextDrop(prob=1.5)
    with pytest.raises(KeyError, match='after OCRTokenLoad'):
        RandomTextDrop(prob=1.0)(dict(img_path='page.png'))
