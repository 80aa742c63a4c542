import pytest
import torch
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from mmcv.transforms import Compose, LoadImageFromFile
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData

from mmdet.datasets.transforms import Resize
from mmdet.structures import DetDataSample
from mmlayout.datasets.transforms import OCRTokenLoad, PackLayoutInputs
from mmlayout.models.data_preprocessors import LayoutDataPreprocessor
from mmlayout.structures import LayoutInputs, stack_batch_text


def _sample(ids, pad_id=1, shape=(20, 30)):
    sample = DetDataSample(
        metainfo=dict(img_shape=shape, valid_shape=shape, ori_shape=shape))
    ids = torch.tensor(ids, dtype=torch.long)
    sample.text = InstanceData(
        metainfo=dict(pad_token_id=pad_id),
        input_ids=ids,
        bboxes=torch.arange(len(ids) * 4).view(-1, 4))
    return sample


def _batch(samples, shapes=((20, 30), (24, 16), (10, 10))):
    return dict(
        inputs=[torch.randint(0, 255, (3, h, w), dtype=torch.uint8)
                for h, w in shapes[:len(samples)]],
        data_samples=samples)


def test_pads_text_to_longest():
    preprocessor = LayoutDataPreprocessor(
        mean=[127.5] * 3, std=[127.5] * 3, pad_size_divisor=32)
    samples = [_sample([0, 7, 8, 9, 2]), _sample([0, 2]), _sample([])]
    out = preprocessor(_batch(samples))
    inputs = out['inputs']
    assert isinstance(inputs, LayoutInputs) and inputs.has_text
    assert inputs.images.shape == (3, 3, 32, 32)
    texts = [s.text for s in out['data_samples']]
    assert [t.input_ids.tolist() for t in texts] == [
        [0, 7, 8, 9, 2], [0, 2, 1, 1, 1], [1, 1, 1, 1, 1]]
    assert texts[1].bboxes.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]] + [
        [0, 0, 0, 0]] * 3
    assert [t.attention_mask.tolist() for t in texts] == [
        [True] * 5, [True] * 2 + [False] * 3, [False] * 5]
    assert texts[0].metainfo['pad_token_id'] == 1

    batch = stack_batch_text(out['data_samples'])
    assert batch['input_ids'].shape == (3, 5)
    assert batch['bboxes'].shape == (3, 5, 4)
    assert batch['attention_mask'].dtype == torch.bool
    assert batch['valid_shapes'].tolist() == [[20, 30]] * 3
    # the model's input: the same, stacked once
    for key in ('input_ids', 'bboxes', 'attention_mask', 'valid_shapes'):
        assert torch.equal(getattr(inputs, key), batch[key]), key


def test_inconsistent_pad_ids():
    with pytest.raises(ValueError, match='inconsistent text pad ids'):
        LayoutDataPreprocessor()(_batch([_sample([0, 2]), _sample([0, 2], 0)]))
    with pytest.raises(ValueError, match='pad_token_id=0'):
        LayoutDataPreprocessor(pad_token_id=0)(_batch([_sample([0, 2])]))
    out = LayoutDataPreprocessor(pad_token_id=1)(
        _batch([_sample([0, 5, 2]), _sample([0, 2])]))
    assert out['data_samples'][1].text.input_ids.tolist() == [0, 2, 1]


def test_samples_without_text():
    no_text = DetDataSample(metainfo=dict(img_shape=(10, 10)))
    with pytest.raises(ValueError, match=r'data samples \[1\]'):
        LayoutDataPreprocessor()(_batch([_sample([0, 2]), no_text]))
    out = LayoutDataPreprocessor()(_batch([no_text]))
    assert 'text' not in out['data_samples'][0]
    assert stack_batch_text(out['data_samples']) is None
    with pytest.raises(ValueError, match='not padded'):
        stack_batch_text([_sample([0, 2])])


def test_refuses_batch_augments():
    with pytest.raises(ValueError, match='batch_augments'):
        LayoutDataPreprocessor(batch_augments=[
            dict(type='BatchFixedSizePad', size=(32, 32))])


def test_from_the_pipeline(tmp_path):
    pipeline = Compose([
        LoadImageFromFile(),
        OCRTokenLoad(tokenizer=english_bpe_tokenizer(),
                     ocr_root=str(tmp_path / 'ocr'), on_missing='empty'),
        Resize(scale=(160, 100), keep_ratio=True),
        PackLayoutInputs(),
    ])
    with_text = make_page(str(tmp_path), 'a', (300, 200),
                          [('Deep learning', (20, 10, 140, 30))])
    without = make_page(str(tmp_path), 'b', (200, 300), [])
    (tmp_path / 'ocr' / 'b.json').unlink()  # missing OCR: empty text
    batch = pseudo_collate([pipeline(dict(img_path=p))
                            for p in (with_text, without)])
    out = LayoutDataPreprocessor(
        mean=[0] * 3, std=[1] * 3, bgr_to_rgb=True, pad_size_divisor=32)(
            batch, training=True)
    assert out['inputs'].images.shape == (2, 3, 160, 160)
    text = stack_batch_text(out['data_samples'])
    n = int(text['attention_mask'][0].sum())
    assert text['attention_mask'].sum(1).tolist() == [n, 2]
    assert text['input_ids'][1].tolist() == [0, 2] + [1] * (n - 2)
    assert text['valid_shapes'].tolist() == [[100, 150], [150, 100]]
    assert text['bboxes'][0, 1].tolist() == [67, 50, 467, 150]


def test_image_only_batch():
    """No text: the model's input holds the images and valid shapes."""
    samples = [DetDataSample(metainfo=dict(img_shape=shape, ori_shape=shape))
               for shape in ((20, 30), (24, 16))]
    out = LayoutDataPreprocessor(pad_size_divisor=32)(_batch(samples))
    inputs = out['inputs']
    assert not inputs.has_text and inputs.input_ids is None
    assert inputs.images.shape == (2, 3, 32, 32)
    assert inputs.valid_shapes.tolist() == [[20, 30], [24, 16]]
