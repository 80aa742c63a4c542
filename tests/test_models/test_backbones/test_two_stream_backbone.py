"""Tests of TwoStreamBackbone: a ResNet's maps, a LayoutLMv3MM's text."""
import pytest
import torch
from helpers.models import TINY_ARCH
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules

from mmlayout.models.backbones import TwoStreamBackbone


@pytest.fixture(autouse=True)
def mmdet_scope():
    register_all_modules()


def text_encoder_cfg(**changes):
    return dict(
        dict(type='LayoutLMv3MM', arch_cfg=dict(TINY_ARCH, num_layers=4),
             out_indices=(0, 1, 2, 3), drop_path_rate=0.), **changes)


def make_backbone(**encoder_changes) -> TwoStreamBackbone:
    torch.manual_seed(0)
    backbone = MODELS.build(
        dict(
            type='TwoStreamBackbone',
            image_backbone=dict(type='ResNet', depth=18, init_cfg=None),
            text_encoder=text_encoder_cfg(**encoder_changes)))
    backbone.init_weights()
    return backbone


def make_text(batch_size=2, length=12):
    generator = torch.Generator().manual_seed(0)
    input_ids = torch.randint(3, 100, (batch_size, length),
                              generator=generator)
    corner = torch.randint(0, 800, (batch_size, length, 2),
                           generator=generator)
    bboxes = torch.cat([corner, corner + 150], dim=-1)
    attention_mask = torch.ones(batch_size, length, dtype=torch.long)
    attention_mask[1, 7:] = 0
    return input_ids, bboxes, attention_mask


def test_maps_of_the_image_backbone_text_of_the_encoder():
    backbone = make_backbone().eval()
    images = torch.randn(2, 3, 128, 96)
    input_ids, bboxes, attention_mask = make_text()
    valid_shapes = torch.tensor([[128, 96], [96, 64]])
    with torch.no_grad():
        output = backbone(images, input_ids, bboxes, attention_mask,
                          valid_shapes)
        maps = backbone.image_backbone(images)
        encoded = backbone.text_encoder(images, input_ids, bboxes,
                                        attention_mask, valid_shapes)
    assert [tuple(m.shape) for m in output] == [(2, 64, 32, 24),
                                                (2, 128, 16, 12),
                                                (2, 256, 8, 6),
                                                (2, 512, 4, 3)]
    for got, expected in zip(output, maps):
        assert torch.equal(got, expected)
    assert len(output.text_states) == 4
    for got, expected in zip(output.text_states, encoded.text_states):
        assert torch.equal(got, expected)
    assert torch.equal(output.text_mask, attention_mask.bool())

    # Without text: the image backbone alone.
    with torch.no_grad():
        image_only = backbone(images)
    assert image_only.text_states is None
    assert torch.equal(image_only[0], maps[0])


def test_gradients_reach_both_streams_through_the_fusion():
    backbone = make_backbone().train()
    fusion = MODELS.build(
        dict(type='TextBoxFusion', text_channels=TINY_ARCH['embed_dims'],
             map_channels=(64, 128, 256, 512), stride=(4, 8, 16, 32),
             gate_init=1.0))
    images = torch.randn(2, 3, 128, 96)
    input_ids, bboxes, attention_mask = make_text()
    valid_shapes = torch.tensor([[128, 96], [96, 64]])
    output = backbone(images, input_ids, bboxes, attention_mask,
                      valid_shapes)
    token_mask = attention_mask.bool()
    fused = fusion(output, output.text_states, bboxes, token_mask,
                   valid_shapes)
    sum(m.square().mean() for m in fused).backward()
    assert backbone.image_backbone.conv1.weight.grad.abs().max() > 0
    assert backbone.text_encoder.text_embed.word_embed.weight.grad \
        .abs().max() > 0


def test_errors():
    with pytest.raises(ValueError, match='image_only'):
        make_backbone(image_only=True)
    backbone = make_backbone(out_indices=(1, 3))
    with pytest.raises(ValueError, match='2 text states but image_backbone '
                       '4 maps'):
        backbone(torch.randn(2, 3, 64, 64), *make_text())
