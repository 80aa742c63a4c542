"""Tests of LayoutCascadeRCNN: the text reaches the backbone and the fusion
in loss, predict and _forward, and head swaps are config changes."""
import copy
import os.path as osp

import pytest
import torch
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmlayout.models.detectors import LayoutCascadeRCNN

ROOT = osp.join(osp.dirname(__file__), '..', '..', '..')
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')
LINES = [('Deep learning for document layout analysis.', (8, 8, 88, 20)),
         ('Table 1: Results on the validation set.', (8, 30, 60, 44)),
         ('Figure 2 shows the architecture.', (40, 40, 90, 60))]


@pytest.fixture(scope='module', autouse=True)
def mmdet_scope():
    register_all_modules()


def demo_model_cfg(**changes):
    """The tiny demo model, small enough for tests."""
    cfg = Config.fromfile(DEMO)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.arch_cfg.update(vocab_size=400, num_layers=2)
    model_cfg.backbone.out_indices = (0, 1)
    model_cfg.fusion.num_levels = 2
    model_cfg.neck = dict(
        type='FPN', in_channels=[256, 256], out_channels=32, num_outs=5)
    model_cfg.rpn_head.update(in_channels=32, feat_channels=32)
    model_cfg.roi_head.bbox_roi_extractor.out_channels = 32
    for head in model_cfg.roi_head.bbox_head:
        head.in_channels = 32
    model_cfg.update(changes)
    return model_cfg


def make_batch(tmp_path, sizes=((96, 128), (160, 112)), with_text=True):
    """Packed samples of pages of different sizes, through the pipeline."""
    transforms = [dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', with_bbox=True),
                  dict(type='Resize', scale_factor=1.0)]
    if with_text:
        transforms += [
            dict(type='OCRTokenLoad', tokenizer=english_bpe_tokenizer(),
                 ocr_root=str(tmp_path / 'ocr')),
            dict(type='PackLayoutInputs')]
    else:
        transforms.append(dict(type='PackDetInputs'))
    pipeline = Compose(transforms)
    samples = []
    for index, size in enumerate(sizes):
        img_path = make_page(str(tmp_path), f'page{index}', size, LINES)
        samples.append(pipeline(dict(
            img_path=img_path, img_id=index,
            instances=[dict(bbox=[8, 8, 88, 20], bbox_label=1,
                            ignore_flag=0),
                       dict(bbox=[8, 30, 90, 60], bbox_label=0,
                            ignore_flag=0)])))
    return pseudo_collate(samples)


def build(model_cfg):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def test_text_reaches_backbone_and_fusion_in_every_mode(tmp_path):
    model = build(demo_model_cfg())
    assert isinstance(model, LayoutCascadeRCNN) and model.with_fusion
    with torch.no_grad():
        model.fusion.gate.fill_(0.5)
    calls = []

    def record(module, args, output):
        calls.append((type(module).__name__, args))

    model.backbone.register_forward_hook(record)
    model.fusion.register_forward_hook(record)
    data = model.data_preprocessor(make_batch(tmp_path), True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(model.parse_losses(losses)[0])
    backbone_args = calls[0][1]
    images, input_ids, bboxes, mask, valid_shapes = backbone_args
    assert images.shape == (2, 3, 128, 160)
    assert input_ids.shape[0] == 2 and mask.dtype == torch.bool
    # each page's own content shape goes to the backbone
    assert valid_shapes.tolist() == [[128, 96], [112, 160]]
    assert calls[1][0] == 'TextBoxFusion'
    fusion_mask = calls[1][1][3]
    assert fusion_mask.sum() == mask.sum() - 4  # <s> and </s> of two pages

    model.parse_losses(losses)[0].backward()
    assert model.fusion.gate.grad.abs().sum() > 0
    assert model.backbone.text_embed.word_embed.weight.grad.abs().sum() > 0

    calls.clear()
    model.eval()
    data = model.data_preprocessor(make_batch(tmp_path), False)
    with torch.no_grad():
        results = model(**data, mode='predict')
        raw = model(**data, mode='tensor')
    assert len(results) == 2 and 'pred_instances' in results[0]
    assert [name for name, _ in calls] == ['LayoutLMv3MM', 'TextBoxFusion'] * 2
    assert len(raw) > 0
    assert not any('data_samples' in name for name in vars(model))  # no state

    # extract_feat called directly takes the text from its input
    calls.clear()
    with torch.no_grad():
        model.extract_feat(data['inputs'])
    assert [name for name, _ in calls] == ['LayoutLMv3MM', 'TextBoxFusion']
    assert calls[0][1][1] is data['inputs'].input_ids


def test_maps_leave_extract_feat_contiguous(tmp_path):
    # LayoutLMv3MM's maps are channels-last views of its token states and
    # the neck keeps that layout; mmcv's compiled RoI ops need contiguous
    # (B, C, H, W) maps, made once here for the RPN and every RoI stage.
    model = build(demo_model_cfg()).eval()
    neck_outputs = []
    model.neck.register_forward_hook(
        lambda module, args, output: neck_outputs.extend(output))
    data = model.data_preprocessor(make_batch(tmp_path), False)
    with torch.no_grad():
        maps = model.extract_feat(data['inputs'])
    assert not all(level.is_contiguous() for level in neck_outputs)
    assert all(level.is_contiguous() for level in maps)
    for level, neck_level in zip(maps, neck_outputs):
        assert torch.equal(level, neck_level)


def test_autocast_heads_decode_boxes_in_float32(tmp_path):
    # Under bfloat16 autocast the heads' layers run in bfloat16, but their
    # outputs reach anchors, decoding and NMS in float32: predictions that
    # mmdet's metrics can read, and boxes off the bfloat16 grid (4 pixels
    # apart at coordinates 512-1023).
    model = build(demo_model_cfg()).eval()
    head_outputs = []
    model.roi_head.bbox_head[0].fc_cls.register_forward_hook(
        lambda module, args, output: head_outputs.append(output.dtype))
    data = model.data_preprocessor(make_batch(tmp_path), False)
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        results = model(**data, mode='predict')
    assert head_outputs and head_outputs[0] == torch.bfloat16
    for result in results:
        pred = result.pred_instances
        assert pred.bboxes.dtype == pred.scores.dtype == torch.float32
        assert len(pred.bboxes) > 0
        assert not torch.equal(pred.bboxes, pred.bboxes.bfloat16().float())


def test_pages_without_text_and_the_text_switch(tmp_path):
    # a page without OCR lines still trains
    model = build(demo_model_cfg())
    make_page(str(tmp_path), 'empty', (96, 96), [])
    data = model.data_preprocessor(make_batch(tmp_path), True)
    assert torch.isfinite(model(**data, mode='loss')['s0.loss_cls'])
    # no fusion: text goes to the backbone only
    model = build(demo_model_cfg(fusion=None))
    assert not model.with_fusion and model.fusion is None
    data = model.data_preprocessor(make_batch(tmp_path), True)
    assert torch.isfinite(model(**data, mode='loss')['s0.loss_cls'])


def test_image_only_twin(tmp_path):
    model_cfg = demo_model_cfg(fusion=None)
    model_cfg.backbone.update(image_only=True, rel_pos_bias=False,
                              spatial_bias=False)
    model = build(model_cfg)
    seen = []
    model.backbone.register_forward_hook(
        lambda module, args, kwargs, output: seen.append((args, kwargs)),
        with_kwargs=True)
    data = model.data_preprocessor(make_batch(tmp_path, with_text=False),
                                   True)
    assert torch.isfinite(model(**data, mode='loss')['s0.loss_cls'])
    args, kwargs = seen[0]
    assert len(args) == 1  # images only
    assert kwargs['valid_shapes'].tolist() == [[128, 96], [112, 160]]

    model_cfg.pass_valid_shapes = False
    model = build(model_cfg)
    model.backbone.register_forward_hook(
        lambda module, args, kwargs, output: seen.append((args, kwargs)),
        with_kwargs=True)
    model(**data, mode='loss')
    assert len(seen[-1][0]) == 1 and not seen[-1][1]  # the images alone

    with pytest.raises(ValueError, match='image_only'):
        MODELS.build(demo_model_cfg(backbone=model_cfg.backbone))


RESNET18 = dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3),
                init_cfg=None)
RESNET18_FPN = dict(type='FPN', in_channels=[64, 128, 256, 512],
                    out_channels=32, num_outs=5)


def test_any_mmdet_backbone_without_valid_shapes(tmp_path):
    # pass_valid_shapes=False: a ResNet gets the images alone.
    model_cfg = demo_model_cfg(fusion=None, pass_valid_shapes=False)
    model_cfg.backbone, model_cfg.neck = RESNET18, RESNET18_FPN
    model = build(model_cfg)
    data = model.data_preprocessor(make_batch(tmp_path, with_text=False),
                                   True)
    assert torch.isfinite(model(**data, mode='loss')['s0.loss_cls'])


def test_two_stream_backbone_text_into_resnet_maps(tmp_path):
    model_cfg = demo_model_cfg()
    model_cfg.neck = RESNET18_FPN
    encoder = model_cfg.backbone
    encoder.update(out_indices=(0, 1, 2, 3),
                   arch_cfg=dict(encoder.arch_cfg, num_layers=4))
    model_cfg.backbone = dict(type='TwoStreamBackbone',
                              image_backbone=RESNET18, text_encoder=encoder)
    model_cfg.fusion.update(map_channels=[64, 128, 256, 512], num_levels=4,
                            stride=(4, 8, 16, 32), gate_init=1.0)
    model = build(model_cfg)
    fused = []
    model.fusion.register_forward_hook(
        lambda module, args, output: fused.append((args, output)))
    data = model.data_preprocessor(make_batch(tmp_path), True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['s0.loss_cls'])
    (maps, text_states, *_), outputs = fused[0]
    assert [m.shape[1] for m in maps] == [64, 128, 256, 512]
    assert len(text_states) == 4
    assert not torch.equal(outputs[0], maps[0])  # the words reached them
    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(make_batch(tmp_path)),
                        mode='predict')
    assert len(results) == 2 and len(fused) == 2


def test_faster_rcnn_heads_are_a_config_change(tmp_path):
    model_cfg = demo_model_cfg()
    model_cfg.roi_head = dict(
        type='StandardRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
            out_channels=32, featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(
            type='Shared2FCBBoxHead', in_channels=32, fc_out_channels=64,
            roi_feat_size=7, num_classes=10))
    model_cfg.train_cfg.rcnn = model_cfg.train_cfg.rcnn[0]
    model = build(model_cfg)
    data = model.data_preprocessor(make_batch(tmp_path), True)
    losses = model(**data, mode='loss')
    assert 'loss_cls' in losses and torch.isfinite(losses['loss_cls'])
