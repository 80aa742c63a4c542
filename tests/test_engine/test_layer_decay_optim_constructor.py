"""Tests of LayoutLMv3LayerDecayOptimizerConstructor."""
import pytest
import torch
import torch.nn as nn
from helpers.models import TINY_ARCH
from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope

import mmlayout  # noqa: F401  (registration)
from mmlayout.engine.optimizers import (
    AutocastOptimWrapper, LayoutLMv3LayerDecayOptimizerConstructor)
from mmlayout.models.backbones import LayoutLMv3MM

NUM_LAYERS = 4
ARCH = dict(TINY_ARCH, num_layers=NUM_LAYERS)
BASE_LR = 2e-4
BASE_WD = 0.05


class TinyDetector(nn.Module):
    """A LayoutLMv3MM backbone with a small neck and head."""

    def __init__(self, **backbone_kwargs):
        super().__init__()
        torch.manual_seed(0)
        self.backbone = LayoutLMv3MM(
            arch_cfg=ARCH, out_indices=(0, 1, 2, 3), **backbone_kwargs)
        self.neck = nn.Conv2d(64, 8, 1)
        self.head = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1),
                                  nn.BatchNorm2d(8))


@pytest.fixture(autouse=True)
def mmdet_scope():
    """Build in mmdet's scope, as a runner with ``default_scope='mmdet'``."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


def build(model, constructor='LayoutLMv3LayerDecayOptimizerConstructor',
          wrapper='OptimWrapper', **paramwise_cfg):
    return build_optim_wrapper(
        model,
        dict(
            type=wrapper,
            optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=BASE_WD),
            constructor=constructor,
            paramwise_cfg=paramwise_cfg))


def settings(optim_wrapper, model):
    """``name -> (lr, weight_decay)`` of every parameter in the optimizer,
    and the names in the order of the param groups."""
    names = {id(p): n for n, p in model.named_parameters()}
    result, order = {}, []
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            name = names[id(param)]
            assert name not in result, f'{name} is in two groups'
            result[name] = (group['lr'], group['weight_decay'])
            order.append(name)
    return result, order


def test_registered():
    assert OPTIM_WRAPPER_CONSTRUCTORS.get(
        'LayoutLMv3LayerDecayOptimizerConstructor'
    ) is LayoutLMv3LayerDecayOptimizerConstructor


def test_layer_ids():
    get = LayoutLMv3LayerDecayOptimizerConstructor.get_layer_id
    for name in ('text_embed.word_embed.weight', 'patch_embed.weight',
                 'cls_token', 'pos_embed', 'visual_norm.weight',
                 'embed_norm.bias', 'attn_bias.rel_pos_weight'):
        assert get('backbone.' + name, 12, 'backbone.') == 0
        assert get(name, 12) == 0
    assert get('backbone.layers.0.attn.qkv.weight', 12, 'backbone.') == 1
    assert get('backbone.layers.11.norm1.bias', 12, 'backbone.') == 12
    assert get('layers.10.ffn.fc1.weight', 12) == 11
    for name in ('neck.conv.weight', 'roi_head.bbox_head.fc_cls.weight',
                 'fusion.pos_embed', 'pos_embed_head.weight'):
        assert get(name, 12, 'backbone.') == 13


def test_lr_per_layer():
    model = TinyDetector()
    rate = 0.5
    lrs, _ = settings(build(model, layer_decay_rate=rate), model)
    assert len(lrs) == len(list(model.parameters()))

    def lr_of(layer_id):
        return pytest.approx(BASE_LR * rate**(NUM_LAYERS + 1 - layer_id))

    for name, (lr, weight_decay) in lrs.items():
        assert weight_decay == BASE_WD, name
        if name.startswith(('backbone.text_embed.', 'backbone.patch_embed.',
                            'backbone.cls_token', 'backbone.pos_embed',
                            'backbone.visual_norm.', 'backbone.embed_norm.',
                            'backbone.attn_bias.')):
            assert lr == lr_of(0), name
        elif name.startswith('backbone.layers.'):
            assert lr == lr_of(int(name.split('.')[2]) + 1), name
        else:
            assert name.startswith(('neck.', 'head.')), name
            assert lr == BASE_LR, name
    assert lrs['backbone.pos_embed'][0] == pytest.approx(BASE_LR / 32)
    assert lrs['backbone.layers.0.attn.qkv.weight'][0] == pytest.approx(
        BASE_LR / 16)
    assert lrs['backbone.layers.3.attn.qkv.weight'][0] == pytest.approx(
        BASE_LR / 2)
    assert lrs['neck.weight'][0] == BASE_LR


def test_rate_one_equals_default_constructor():
    paramwise_cfg = dict(
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        custom_keys={
            'neck': dict(lr_mult=0.1),
            'backbone.pos_embed': dict(decay_mult=0.)
        })
    model = TinyDetector()
    ours = build(model, layer_decay_rate=1.0, **paramwise_cfg)
    default = build(model, 'DefaultOptimWrapperConstructor', **paramwise_cfg)
    assert settings(ours, model) == settings(default, model)
    # and the paramwise rules did apply
    lrs, _ = settings(ours, model)
    assert lrs['neck.weight'] == (pytest.approx(BASE_LR * 0.1), BASE_WD)
    assert lrs['head.1.weight'] == (BASE_LR, 0.)
    assert lrs['backbone.pos_embed'] == (BASE_LR, 0.)


def test_paramwise_rules_combine_with_layer_decay():
    rate = 0.75
    model = TinyDetector()
    lrs, _ = settings(
        build(
            model,
            layer_decay_rate=rate,
            norm_decay_mult=0.,
            custom_keys={'backbone.layers.1': dict(lr_mult=2.)}), model)
    assert lrs['backbone.layers.1.attn.qkv.weight'] == (
        pytest.approx(BASE_LR * 2 * rate**3), BASE_WD)
    assert lrs['backbone.layers.2.norm1.weight'] == (
        pytest.approx(BASE_LR * rate**2), 0.)
    assert lrs['backbone.embed_norm.weight'] == (
        pytest.approx(BASE_LR * rate**5), 0.)
    assert lrs['head.1.bias'] == (BASE_LR, 0.)


def test_bare_backbone():
    torch.manual_seed(0)
    model = LayoutLMv3MM(arch_cfg=ARCH, out_indices=(3, ))
    lrs, _ = settings(build(model, layer_decay_rate=0.5), model)
    assert lrs['pos_embed'][0] == pytest.approx(BASE_LR / 32)
    assert lrs['layers.3.ffn.fc2.weight'][0] == pytest.approx(BASE_LR / 2)


def test_frozen_parameters_are_left_out_like_the_default_constructor():
    model = TinyDetector(frozen_stages=1)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert 'backbone.patch_embed.weight' in frozen
    assert 'backbone.layers.0.attn.qkv.weight' in frozen
    ours, order = settings(build(model, layer_decay_rate=0.5), model)
    _, default_order = settings(
        build(model, 'DefaultOptimWrapperConstructor', bias_decay_mult=0.),
        model)
    assert order == default_order
    assert set(order) == {
        n for n, p in model.named_parameters() if p.requires_grad}
    assert ours['backbone.layers.1.attn.qkv.weight'][0] == pytest.approx(
        BASE_LR / 8)


def test_autocast_optim_wrapper():
    model = TinyDetector()
    optim_wrapper = build(
        model, wrapper='AutocastOptimWrapper', layer_decay_rate=0.5)
    assert isinstance(optim_wrapper, AutocastOptimWrapper)
    lrs, _ = settings(optim_wrapper, model)
    assert lrs['backbone.cls_token'][0] == pytest.approx(BASE_LR / 32)


def test_plain_optim_wrapper_steps():
    model = TinyDetector()
    optim_wrapper = build(model, layer_decay_rate=0.75)
    assert type(optim_wrapper) is OptimWrapper
    before = model.backbone.layers[3].ffn.fc2.weight.detach().clone()
    with optim_wrapper.optim_context(model):
        maps = model.backbone(torch.randn(1, 3, 32, 32))
        loss = model.head(model.neck(maps[-1])).square().mean()
    optim_wrapper.update_params(loss)
    assert not torch.equal(before, model.backbone.layers[3].ffn.fc2.weight)


@pytest.mark.parametrize('rate', [0, -0.5, 1.5, True, '0.75', None])
def test_invalid_decay_rate(rate):
    with pytest.raises(ValueError, match='layer_decay_rate'):
        build(TinyDetector(), layer_decay_rate=rate)


def test_missing_decay_rate():
    with pytest.raises(ValueError, match='layer_decay_rate'):
        build(TinyDetector())
    with pytest.raises(ValueError, match='layer_decay_rate'):
        build(TinyDetector(), norm_decay_mult=0.)


def test_model_without_layoutlmv3_backbone():
    model = nn.Sequential(nn.Conv2d(3, 4, 3))
    with pytest.raises(TypeError, match='LayoutLMv3MM'):
        build(model, layer_decay_rate=0.75)
    model.backbone = nn.Conv2d(3, 4, 3)
    with pytest.raises(TypeError, match='backbone Conv2d'):
        build(model, layer_decay_rate=0.75)
