import pytest
import torch
from mmdet.structures import DetDataSample

from mmlayout.structures import batch_valid_shapes, word_token_mask


def test_word_token_mask():
    attention_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0],
                                   [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]])
    expected = torch.tensor([[0, 1, 1, 1, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0],
                             [0, 0, 0, 0, 0]]).bool()
    assert torch.equal(word_token_mask(attention_mask), expected)
    assert torch.equal(word_token_mask(attention_mask.bool()), expected)
    assert word_token_mask(torch.ones(2, 0)).shape == (2, 0)
    with pytest.raises(ValueError, match='attention_mask'):
        word_token_mask(torch.ones(5))


def test_batch_valid_shapes():
    with_text = DetDataSample(metainfo=dict(img_shape=(64, 96),
                                            valid_shape=(60, 90)))
    image_only = DetDataSample(metainfo=dict(img_shape=(32, 48)))
    shapes = batch_valid_shapes([with_text, image_only], torch.device('cpu'))
    assert shapes.tolist() == [[60, 90], [32, 48]]
    assert shapes.dtype == torch.long
