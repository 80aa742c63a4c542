"""Tests of the SimpleFeaturePyramid neck and the LN2d norm."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from helpers.models import TINY_ARCH
from mmcv.cnn import build_norm_layer
from mmdet.registry import MODELS
from mmengine.registry import DefaultScope

import mmlayout  # noqa: F401  (registration)
from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.layers import LayerNorm2d
from mmlayout.models.necks import SimpleFeaturePyramid

IN_CHANNELS = 8
OUT_CHANNELS = 16


def build_neck(**kwargs) -> SimpleFeaturePyramid:
    torch.manual_seed(0)
    cfg = dict(
        type='SimpleFeaturePyramid',
        in_channels=IN_CHANNELS,
        out_channels=OUT_CHANNELS)
    cfg.update(kwargs)
    neck = MODELS.build(cfg)
    neck.init_weights()
    return neck


def make_inputs(height=14, width=10, batch_size=2, channels=IN_CHANNELS,
                requires_grad=False):
    generator = torch.Generator().manual_seed(0)
    return [
        torch.randn(batch_size, channels, height, width,
                    generator=generator).requires_grad_(requires_grad)
        for _ in range(4)
    ]


def test_output_shapes_and_strides_of_non_square_maps():
    neck = build_neck()
    outs = neck(make_inputs(14, 10))
    assert isinstance(outs, tuple)
    assert [tuple(out.shape) for out in outs] == [
        (2, OUT_CHANNELS, 56, 40),  # stride 4
        (2, OUT_CHANNELS, 28, 20),  # stride 8
        (2, OUT_CHANNELS, 14, 10),  # stride 16
        (2, OUT_CHANNELS, 7, 5),  # stride 32
        (2, OUT_CHANNELS, 4, 3),  # stride 64
    ]


@pytest.mark.parametrize('num_outs, last', [(4, (7, 5)), (6, (2, 2))])
def test_num_outs(num_outs, last):
    outs = build_neck(num_outs=num_outs)(make_inputs(14, 10))
    assert len(outs) == num_outs
    assert tuple(outs[-1].shape[-2:]) == last


def test_on_layoutlmv3_output():
    torch.manual_seed(0)
    backbone = LayoutLMv3MM(
        arch_cfg=dict(TINY_ARCH, num_layers=4),
        out_indices=(0, 1, 2, 3),
        image_only=True)
    neck = build_neck(in_channels=64)
    outs = neck(backbone(torch.randn(1, 3, 64, 48)))
    assert [tuple(out.shape[-2:]) for out in outs] == [(16, 12), (8, 6),
                                                       (4, 3), (2, 1),
                                                       (1, 1)]


@pytest.mark.parametrize('norm_cfg, norm_type', [
    (dict(type='BN'), nn.BatchNorm2d),
    (dict(type='GN', num_groups=4), nn.GroupNorm),
    (dict(type='LN2d'), LayerNorm2d),
    (dict(type='SyncBN'), nn.SyncBatchNorm),
])
def test_norm_options_build_and_run(norm_cfg, norm_type):
    neck = build_neck(norm_cfg=norm_cfg).train()
    norm = neck.scale_ops[0][1]
    assert isinstance(norm, norm_type)
    assert neck.scale_ops[0][0].out_channels == IN_CHANNELS
    outs = neck(make_inputs(6, 4))
    assert tuple(outs[0].shape) == (2, OUT_CHANNELS, 24, 16)
    assert all(torch.isfinite(out).all() for out in outs)


def test_fpn_norm_cfg():
    neck = build_neck()
    assert neck.fpn.lateral_convs[0].norm_cfg is None
    assert neck.fpn.lateral_convs[0].conv.bias is not None
    for norm_cfg, norm_type in ((dict(type='GN', num_groups=4),
                                 nn.GroupNorm), (dict(type='LN2d'),
                                                 LayerNorm2d)):
        neck = build_neck(fpn_norm_cfg=norm_cfg)
        for conv in (*neck.fpn.lateral_convs, *neck.fpn.fpn_convs):
            assert type(conv.norm) is norm_type
            assert conv.conv.bias is None
        assert len(neck(make_inputs(6, 4))) == 5


def test_scale_ops_by_value():
    """Each FPN lateral conv sees its scale op applied to its input."""
    neck = build_neck().eval()
    inputs = make_inputs(6, 4)
    seen = {}
    handles = [
        conv.register_forward_pre_hook(
            lambda module, args, index=index: seen.__setitem__(
                index, args[0]))
        for index, conv in enumerate(neck.fpn.lateral_convs)
    ]
    with torch.no_grad():
        outs = neck(inputs)
    for handle in handles:
        handle.remove()

    level0, level1 = neck.scale_ops[0], neck.scale_ops[1]
    up0 = F.conv_transpose2d(
        inputs[0], level0[0].weight, level0[0].bias, stride=2)
    up0 = F.gelu(level0[1](up0))
    up0 = F.conv_transpose2d(up0, level0[3].weight, level0[3].bias, stride=2)
    torch.testing.assert_close(seen[0], up0)
    torch.testing.assert_close(
        seen[1],
        F.conv_transpose2d(
            inputs[1], level1.weight, level1.bias, stride=2))
    assert torch.equal(seen[2], inputs[2])
    assert torch.equal(seen[3], F.max_pool2d(inputs[3], 2, stride=2))
    # Top level: no top-down sum, and P6 is P5 max-pooled 1x1/2.
    fpn = neck.fpn
    with torch.no_grad():
        top = fpn.fpn_convs[3](fpn.lateral_convs[3](seen[3]))
    torch.testing.assert_close(outs[3], top)
    assert torch.equal(outs[4], F.max_pool2d(outs[3], 1, stride=2))


def test_gradients_reach_every_input():
    neck = build_neck().train()
    inputs = make_inputs(6, 4, requires_grad=True)
    sum(out.square().mean() for out in neck(inputs)).backward()
    for x in inputs:
        assert x.grad is not None and x.grad.abs().sum() > 0
    for name, param in neck.named_parameters():
        assert param.grad is not None, name


def test_bad_inputs():
    neck = build_neck()
    inputs = make_inputs(6, 4)
    with pytest.raises(ValueError, match='sequence of 4 maps, got 3'):
        neck(inputs[:3])
    with pytest.raises(ValueError, match='sequence of 4 maps'):
        neck(inputs[0])
    with pytest.raises(ValueError, match='same shape'):
        neck(inputs[:3] + [torch.randn(2, IN_CHANNELS, 6, 6)])
    with pytest.raises(ValueError, match='has 5 channels'):
        neck(inputs[:2] + [torch.randn(2, 5, 6, 4)] + inputs[3:])
    with pytest.raises(ValueError, match=r'\(B, C, H, W\)'):
        neck([x.flatten(2) for x in inputs])


def test_bad_arguments():
    with pytest.raises(ValueError, match='num_outs'):
        build_neck(num_outs=3)
    with pytest.raises(ValueError, match='in_channels'):
        build_neck(in_channels=0)
    with pytest.raises(ValueError, match='norm_cfg'):
        build_neck(norm_cfg=None)
    with pytest.raises(KeyError, match='NoSuchNorm'):
        build_neck(norm_cfg=dict(type='NoSuchNorm'))


def test_layer_norm_2d_matches_layer_norm_over_channels():
    torch.manual_seed(0)
    norm = MODELS.build(dict(type='LN2d', num_channels=6))
    assert isinstance(norm, LayerNorm2d) and norm.eps == 1e-6
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = torch.randn(2, 6, 5, 3) * 3 + 1
    expected = F.layer_norm(
        x.permute(0, 2, 3, 1), (6, ), norm.weight, norm.bias,
        1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(norm(x), expected)
    with pytest.raises(ValueError, match=r'\(B, 6, H, W\)'):
        norm(torch.randn(2, 5, 4, 4))


def test_layer_norm_2d_through_build_norm_layer():
    with DefaultScope.overwrite_default_scope('mmdet'):
        name, norm = build_norm_layer(dict(type='LN2d'), 6)
    assert isinstance(norm, LayerNorm2d) and name == 'ln'
    assert tuple(norm.weight.shape) == (6, )
