"""tools/model_converters: Hugging Face and detectron2 LayoutLMv3 weights into
mmlayout, and mmlayout's back into Hugging Face.

unilm's published detectron2 checkpoint is not available offline, so the
detectron2 state dicts are made up here: taken from an mmlayout model of the
target config (hence its shapes) and renamed by the inverse of the
converter's mapping, written out independently below; the LayoutLMv3 names
are checked against transformers' LayoutLMv3Model.
"""
import json
import os
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from helpers.models import TINY_ARCH, TINY_HF
from mmdet.models.backbones import ResNet
from model_converters import detectron2_layoutlmv3, hf2mmlayout, mmlayout2hf
from transformers import LayoutLMv3Config, LayoutLMv3Model

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.utils import CheckpointMismatchError
from mmlayout.models.utils.layoutlmv3_checkpoint import HF_CONFIG_TO_ARCH

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', '..', 'configs')
ARCH_ARGS = [f'{key}={value}' for key, value in TINY_ARCH.items()]
#: Shrinks a config's LayoutLMv3 to TINY_ARCH (64 channels).
TINY_OPTIONS = {
    **{
        f'model.backbone.arch_cfg.{k}': v
        for k, v in TINY_ARCH.items()
    },
    'model.backbone.pretrained': None,
    'model.neck.in_channels': 64,
}
D2 = 'backbone.bottom_up.backbone.'


# ----------------------------------------------------------------------------
# hf2mmlayout
# ----------------------------------------------------------------------------
def save_hf_model(folder, **fields) -> LayoutLMv3Model:
    torch.manual_seed(0)
    model = LayoutLMv3Model(LayoutLMv3Config(**TINY_HF, **fields)).eval()
    model.save_pretrained(folder)
    return model


def test_hf_checkpoint_converts_to_a_backbone_checkpoint(tmp_path, capsys):
    hf_model = save_hf_model(tmp_path / 'hf')
    dst = tmp_path / 'out' / 'layoutlmv3_mm.pth'
    assert hf2mmlayout.main(
        [str(tmp_path / 'hf'),
         str(dst), '--arch-cfg', *ARCH_ARGS]) == 0
    output = capsys.readouterr().out
    assert re.search(r'(\d+) of \1 tensors loaded .* no missing keys', output)

    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    state_dict = checkpoint['state_dict']
    assert checkpoint['meta']['backbone'] == dict(
        type='LayoutLMv3MM',
        arch='base',
        arch_cfg=TINY_ARCH,
        image_only=False,
        rel_pos_bias=True,
        spatial_bias=True)
    hf_state = hf_model.state_dict()
    torch.testing.assert_close(
        state_dict['layers.2.attn.qkv.weight'],
        torch.cat([
            hf_state[f'encoder.layer.2.attention.self.{name}.weight']
            for name in ('query', 'key', 'value')
        ]),
        rtol=0,
        atol=0)

    converted = LayoutLMv3MM(
        arch_cfg=TINY_ARCH, drop_path_rate=0., pretrained=str(dst))
    converted.init_weights()
    direct = LayoutLMv3MM(arch_cfg=TINY_ARCH, pretrained=str(tmp_path / 'hf'))
    direct.init_weights()
    assert state_dict.keys() == converted.state_dict().keys()
    for key, value in direct.state_dict().items():
        assert torch.equal(converted.state_dict()[key], value), key
    images = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = hf_model(pixel_values=images).last_hidden_state[:, 1:]
        output = converted.eval()(images)[-1].flatten(2).transpose(1, 2)
    torch.testing.assert_close(output, expected, rtol=0, atol=1e-4)


def test_hf_checkpoint_without_attention_biases(tmp_path, capsys):
    save_hf_model(
        tmp_path / 'hf',
        has_relative_attention_bias=False,
        has_spatial_attention_bias=False)
    dst = str(tmp_path / 'mm.pth')
    hf2mmlayout.main([str(tmp_path / 'hf'), dst, '--arch-cfg', *ARCH_ARGS])
    assert 'has no attn_bias.rel_pos_weight, attn_bias.rel_x_weight' in (
        capsys.readouterr().out)
    meta = torch.load(dst, weights_only=True)['meta']['backbone']
    assert (meta['rel_pos_bias'], meta['spatial_bias']) == (False, False)
    LayoutLMv3MM(
        arch_cfg=TINY_ARCH,
        rel_pos_bias=False,
        spatial_bias=False,
        pretrained=dst).init_weights()
    with pytest.raises(
            CheckpointMismatchError,
            match='missing from the checkpoint: '
            'attn_bias.rel_pos_weight'):
        LayoutLMv3MM(
            arch_cfg=TINY_ARCH, spatial_bias=False,
            pretrained=dst).init_weights()


def test_hf_config_must_match_the_arch(tmp_path):
    save_hf_model(tmp_path / 'hf')
    with pytest.raises(
            ValueError, match='num_attention_heads=4 but '
            'num_heads=2'):
        hf2mmlayout.main([
            str(tmp_path / 'hf'),
            str(tmp_path / 'mm.pth'), '--arch-cfg', *ARCH_ARGS, 'num_heads=2'
        ])
    assert not (tmp_path / 'mm.pth').exists()


# ----------------------------------------------------------------------------
# mmlayout2hf
# ----------------------------------------------------------------------------
#: config.json fields mmlayout2hf.py derives from the backbone.
DERIVED_FIELDS = (*HF_CONFIG_TO_ARCH, 'input_size', 'hidden_act',
                  'visual_embed', 'text_embed', 'has_relative_attention_bias',
                  'has_spatial_attention_bias')


def hf_inputs(text: bool) -> dict:
    """Two 224x224 images and, with ``text``, 10 tokens each (the second
    page's last 3 are padding)."""
    torch.manual_seed(1)
    inputs = dict(pixel_values=torch.randn(2, 3, 224, 224))
    if text:
        corners = torch.randint(0, 500, (2, 10, 2))
        sizes = torch.randint(0, 500, (2, 10, 2))
        attention_mask = torch.ones(2, 10, dtype=torch.long)
        attention_mask[1, 7:] = 0
        inputs.update(
            input_ids=torch.randint(3, 100, (2, 10)).masked_fill(
                attention_mask == 0, 1),  # 1: the padding token
            bbox=torch.cat([corners, corners + sizes], dim=-1),
            attention_mask=attention_mask)
    return inputs


def max_output_difference(model: LayoutLMv3Model, other: LayoutLMv3Model,
                          inputs: dict) -> float:
    with torch.no_grad():
        output = model(**inputs).last_hidden_state
        other_output = other(**inputs).last_hidden_state
    assert output.shape == other_output.shape
    return (output - other_output).abs().max().item()


def round_trip(folder, **fields):
    """A tiny Hugging Face model through hf2mmlayout.py and mmlayout2hf.py:
    the original and the model read back from ``folder / 'back'``."""
    hf_model = save_hf_model(folder / 'hf', **fields)
    mm_path = str(folder / 'mm.pth')
    hf2mmlayout.main([str(folder / 'hf'), mm_path, '--arch-cfg', *ARCH_ARGS])
    assert mmlayout2hf.main([mm_path, str(folder / 'back')]) == 0
    back, info = LayoutLMv3Model.from_pretrained(
        folder / 'back', output_loading_info=True)
    assert not any(info.values()), info
    return hf_model, back


def test_round_trip_through_mmlayout_gives_the_same_model(tmp_path, capsys):
    (tmp_path / 'back').mkdir()
    (tmp_path / 'back' / 'tokenizer.json').write_text('{}')
    hf_model, back = round_trip(tmp_path)
    output = capsys.readouterr().out
    assert "arch_cfg {'embed_dims': 64" in output
    assert "(from its meta['backbone'])" in output
    assert re.search(
        r'Wrote .*back: model.safetensors, config.json; \d+ tensors, '
        r'loaded back .* no missing or unexpected keys', output)

    for field in DERIVED_FIELDS:
        assert getattr(back.config, field) == getattr(hf_model.config,
                                                      field), field
    back_state = back.state_dict()
    assert back_state.keys() == hf_model.state_dict().keys()
    for key, value in hf_model.state_dict().items():
        assert torch.equal(back_state[key], value), key
    assert max_output_difference(hf_model, back, hf_inputs(True)) <= 1e-4
    # files beside the model are kept; no temporary file is left
    assert sorted(os.listdir(tmp_path / 'back')) == [
        'config.json', 'model.safetensors', 'tokenizer.json'
    ]
    assert not [name for name in os.listdir(tmp_path) if name[0] == '.']


@pytest.mark.parametrize('fields', [
    dict(text_embed=False),
    dict(has_relative_attention_bias=False, has_spatial_attention_bias=False),
    dict(has_spatial_attention_bias=False),
    dict(has_relative_attention_bias=False),
])
def test_round_trip_without_optional_parts(tmp_path, capsys, fields):
    hf_model, back = round_trip(tmp_path, **fields)
    for field in DERIVED_FIELDS:
        assert getattr(back.config, field) == getattr(hf_model.config,
                                                      field), field
    inputs = hf_inputs(text=back.config.text_embed)
    assert max_output_difference(hf_model, back, inputs) <= 1e-4
    # Hugging Face ignores a spatial bias without the 1D bias; mmlayout not
    spatial_only = fields == dict(has_relative_attention_bias=False)
    assert spatial_only == ('WARNING: Hugging Face LayoutLMv3 ignores the '
                            'spatial bias' in capsys.readouterr().out)


def test_pretrainer_checkpoint_keeps_only_the_backbone(tmp_path, capsys):
    torch.manual_seed(0)
    backbone = LayoutLMv3MM(arch_cfg=TINY_ARCH, drop_path_rate=0.)
    backbone.init_weights()
    heads = {
        'mlm_head.dense.weight': torch.randn(64, 64),
        'mlm_head.decoder.bias': torch.randn(100),
        'mim_head.weight': torch.randn(8192, 64),
        'wpa_head.0.weight': torch.randn(2, 64),
        'mask_token': torch.randn(64),
    }
    state_dict = {
        f'backbone.{key}': value
        for key, value in backbone.state_dict().items()
    }
    torch.save(
        dict(state_dict={
            **state_dict,
            **heads
        }, meta={}), tmp_path / 'iter_10.pth')

    assert mmlayout2hf.main([
        str(tmp_path / 'iter_10.pth'),
        str(tmp_path / 'hf'), '--arch-cfg', *ARCH_ARGS
    ]) == 0
    output = capsys.readouterr().out
    assert 'Dropped 5 keys outside the backbone: mlm_head (2), mim_head ' \
        '(1), wpa_head (1), mask_token (1)' in output
    assert 'from its meta' not in output
    hf_model = LayoutLMv3Model.from_pretrained(tmp_path / 'hf')
    hf_state = hf_model.state_dict()
    torch.testing.assert_close(
        torch.cat([
            hf_state[f'encoder.layer.3.attention.self.{name}.bias']
            for name in ('query', 'key', 'value')
        ]),
        state_dict['backbone.layers.3.attn.qkv.bias'],
        rtol=0,
        atol=0)
    images = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = backbone.eval()(images)[-1].flatten(2).transpose(1, 2)
        output = hf_model(pixel_values=images).last_hidden_state[:, 1:]
    torch.testing.assert_close(output, expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize('backbone,message', [
    (lambda: ResNet(depth=18), 'holds no LayoutLMv3MM state dict: no '
     r'cls_token, pos_embed, layers.0.attn.qkv.weight, bare or under '
     r'`backbone.`. Its 120 keys are under conv1 \(1\), bn1 \(5\), layer1 '
     r'\(24\), layer2 \(30\)'),
    (lambda: LayoutLMv3MM(arch_cfg=TINY_ARCH, stem_channels=(8, 8, 8, 8)),
     'embeds images with a convolutional stem'),
    (lambda: LayoutLMv3MM(arch_cfg=dict(TINY_ARCH, feedforward_channels=96)),
     'does not fit LayoutLMv3MM.*size mismatch for layers.0.ffn.fc1.weight'),
])
def test_checkpoint_without_a_convertible_backbone(tmp_path, backbone,
                                                   message):
    state_dict = {
        f'backbone.{key}': value
        for key, value in backbone().state_dict().items()
    }
    state_dict['neck.lateral_convs.0.conv.weight'] = torch.zeros(4, 4, 1, 1)
    src = tmp_path / 'epoch_12.pth'
    torch.save(dict(state_dict=state_dict, meta={}), src)
    with pytest.raises(
            CheckpointMismatchError,
            match='(?s)' + re.escape(str(src)) + '.*' + message):
        mmlayout2hf.main(
            [str(src),
             str(tmp_path / 'hf'), '--arch-cfg', *ARCH_ARGS])
    assert os.listdir(tmp_path) == ['epoch_12.pth']


# ----------------------------------------------------------------------------
# detectron2_layoutlmv3
# ----------------------------------------------------------------------------
#: mmlayout key pattern -> detectron2 key (a template, or a function of the
#: match for shifted indices): the inverse of the converter's mapping, for
#: what unilm's image-only detector holds.
MM_TO_D2 = (
    (r'backbone\.patch_embed\.(.+)', D2 + r'patch_embed.proj.\1'),
    (r'backbone\.(cls_token|pos_embed)', D2 + r'\1'),
    (r'backbone\.visual_norm\.(.+)', D2 + r'norm.\1'),
    (r'backbone\.embed_norm\.(.+)', D2 + r'LayerNorm.\1'),
    (r'backbone\.layers\.(\d+)\.attn\.proj\.(.+)',
     D2 + r'encoder.layer.\1.attention.output.dense.\2'),
    (r'backbone\.layers\.(\d+)\.norm1\.(.+)',
     D2 + r'encoder.layer.\1.attention.output.LayerNorm.\2'),
    (r'backbone\.layers\.(\d+)\.ffn\.fc1\.(.+)',
     D2 + r'encoder.layer.\1.intermediate.dense.\2'),
    (r'backbone\.layers\.(\d+)\.ffn\.fc2\.(.+)',
     D2 + r'encoder.layer.\1.output.dense.\2'),
    (r'backbone\.layers\.(\d+)\.norm2\.(.+)',
     D2 + r'encoder.layer.\1.output.LayerNorm.\2'),
    (r'neck\.scale_ops\.0\.(.+)', D2 + r'encoder.fpn1.\1'),
    (r'neck\.scale_ops\.1\.(.+)', D2 + r'encoder.fpn2.0.\1'),
    (r'neck\.fpn\.lateral_convs\.(\d)\.conv\.(.+)',
     lambda m: f'backbone.fpn_lateral{int(m[1]) + 2}.{m[2]}'),
    (r'neck\.fpn\.fpn_convs\.(\d)\.conv\.(.+)',
     lambda m: f'backbone.fpn_output{int(m[1]) + 2}.{m[2]}'),
    (r'rpn_head\.rpn_conv\.(.+)', r'proposal_generator.rpn_head.conv.\1'),
    (r'rpn_head\.rpn_cls\.(.+)',
     r'proposal_generator.rpn_head.objectness_logits.\1'),
    (r'rpn_head\.rpn_reg\.(.+)',
     r'proposal_generator.rpn_head.anchor_deltas.\1'),
    (r'roi_head\.bbox_head\.(\d)\.shared_fcs\.(\d)\.(.+)',
     lambda m: f'roi_heads.box_head.{m[1]}.fc{int(m[2]) + 1}.{m[3]}'),
    (r'roi_head\.bbox_head\.(\d)\.fc_cls\.(.+)',
     r'roi_heads.box_predictor.\1.cls_score.\2'),
    (r'roi_head\.bbox_head\.(\d)\.fc_reg\.(.+)',
     r'roi_heads.box_predictor.\1.bbox_pred.\2'),
    (r'roi_head\.mask_head\.0\.convs\.(\d)\.conv\.(.+)',
     lambda m: f'roi_heads.mask_head.mask_fcn{int(m[1]) + 1}.{m[2]}'),
    (r'roi_head\.mask_head\.0\.upsample\.(.+)',
     r'roi_heads.mask_head.deconv.\1'),
    (r'roi_head\.mask_head\.0\.conv_logits\.(.+)',
     r'roi_heads.mask_head.predictor.\1'),
)
QKV = re.compile(r'backbone\.layers\.(\d+)\.attn\.qkv\.(weight|bias)')


def to_detectron2(state_dict):
    """detectron2 names of an mmlayout state dict; parts unilm's detector
    has not (text, attention biases, fusion, mask heads of stages 1 and 2)
    are left out."""
    d2_state = {}
    for key, value in state_dict.items():
        qkv = QKV.fullmatch(key)
        if qkv:
            for name, part in zip(('query', 'key', 'value'), value.chunk(3)):
                d2_state[f'{D2}encoder.layer.{qkv[1]}.attention.self.{name}.'
                         f'{qkv[2]}'] = part
            continue
        for pattern, template in MM_TO_D2:
            match = re.fullmatch(pattern, key)
            if match:
                d2_key = (
                    template(match)
                    if callable(template) else match.expand(template))
                d2_state[d2_key] = value
                break
    return d2_state


def detector(config, seed, **options):
    """A tiny detector of a config, every float tensor random."""
    torch.manual_seed(seed)
    model = detectron2_layoutlmv3.build_model(
        osp.join(CONFIG_ROOT, config), dict(TINY_OPTIONS, **options))
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.normal_()
    return model


def detectron2_anchors(size, ratios=(0.5, 1., 2.)):
    """detectron2's cell anchors for one size: XYXY around 0, h / w =
    ratio."""
    anchors = []
    for ratio in ratios:
        w = (size * size / ratio)**0.5
        h = ratio * w
        anchors.append([-w / 2, -h / 2, w / 2, h / 2])
    return torch.tensor(anchors)


def test_detectron2_checkpoint_into_the_image_only_config(tmp_path, capsys):
    config = 'layoutmm_cascade_publaynet_image-only.py'
    source = detector(config, seed=0)
    d2_state = to_detectron2(source.state_dict())
    # the LayoutLMv3 names are those of transformers' model
    hf_model = LayoutLMv3Model(
        LayoutLMv3Config(
            **TINY_HF,
            has_relative_attention_bias=False,
            has_spatial_attention_bias=False))
    assert {
        key[len(D2):]: value.shape
        for key, value in d2_state.items()
        if key.startswith(D2) and '.fpn' not in key
    } == {
        key: value.shape
        for key, value in hf_model.state_dict().items()
        if not key.startswith('embeddings.')
    }
    anchors = 'proposal_generator.anchor_generator.cell_anchors.1'
    extra = dict([
        ('roi_heads.box_head.0.fc3.weight', torch.zeros(4, 4)),
        ('roi_heads.mask_head.mask_fcn1.weight', torch.zeros(256, 256, 3, 3)),
        (D2 + 'encoder.extra.weight', torch.zeros(2)),
        ('trainer.momentum', torch.zeros(1)),
        (anchors, detectron2_anchors(64)),
        ('pixel_mean', torch.full((3, 1, 1), 127.5)),
    ])
    src = tmp_path / 'model_final.pth'
    torch.save(dict(model={**d2_state, **extra}, iteration=60000), src)
    hf_model.config.to_json_file(tmp_path / 'config.json')
    dst = tmp_path / 'converted.pth'
    args = [
        str(src),
        str(dst), '--config',
        osp.join(CONFIG_ROOT, config), '--cfg-options',
        *[f'{key}={value}' for key, value in TINY_OPTIONS.items()]
    ]

    assert detectron2_layoutlmv3.main(args) == 0
    output = capsys.readouterr().out
    assert f'{len(d2_state)} checkpoint tensors mapped' in output
    assert '0 model tensors left at their initialisation' in output

    target = detector(config, seed=1)
    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    target.load_state_dict(checkpoint['state_dict'], strict=True)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key

    with open(tmp_path / 'converted.json') as f:
        report = json.load(f)
    assert report['counts']['loaded'] == len(source.state_dict())
    assert report['left_at_init'] == {}
    assert report['mapped'][D2 + 'encoder.layer.0.attention.self.key.bias'] \
        == ['backbone.layers.0.attn.qkv.bias']
    assert report['mapped']['backbone.fpn_lateral2.weight'] == [
        'neck.fpn.lateral_convs.0.conv.weight'
    ]
    unmapped = report['unmapped']
    assert unmapped.keys() == extra.keys()
    assert 'roi_head.bbox_head.0.shared_fcs.2.weight, which the model ' \
        'does not have' in unmapped['roi_heads.box_head.0.fc3.weight']
    assert 'roi_head.mask_head.convs.0.conv.weight, which the model does ' \
        'not have' in unmapped['roi_heads.mask_head.mask_fcn1.weight']
    assert unmapped[D2 + 'encoder.extra.weight'] == 'not a LayoutLMv3 ' \
        'tensor name'
    assert unmapped['trainer.momentum'].startswith('no counterpart')
    for key in (anchors, 'pixel_mean'):
        assert unmapped[key].endswith("equal to the config's"), key
    assert 'config.json (the LayoutLMv3 config unilm reads beside the ' \
        "checkpoint) agrees with the config's backbone arch" in report[
            'notes'][0]

    hf_model.config.num_attention_heads = 2
    hf_model.config.to_json_file(tmp_path / 'config.json')
    with pytest.raises(
            ValueError, match='num_attention_heads=2 but '
            'num_heads=4'):
        detectron2_layoutlmv3.main(args)


def test_detectron2_mask_head_goes_to_every_cascade_stage():
    config = 'layoutmm_cascade-mask_cdla.py'
    fusion = {
        'model.fusion.text_channels': 64,
        'model.fusion.map_channels': 64
    }
    source = detector(config, seed=0, **fusion)
    d2_state = to_detectron2(source.state_dict())
    d2_state['proposal_generator.anchor_generator.cell_anchors.0'] = (
        detectron2_anchors(32, ratios=(1., 0.5, 2.)))
    conversion = detectron2_layoutlmv3.convert(
        d2_state, detector(config, seed=1, **fusion))

    assert conversion.mapped['roi_heads.mask_head.deconv.weight'] == [
        f'roi_head.mask_head.{stage}.upsample.weight' for stage in range(3)
    ]
    logits = source.state_dict()['roi_head.mask_head.0.conv_logits.weight']
    for stage in range(3):
        key = f'roi_head.mask_head.{stage}.conv_logits.weight'
        assert torch.equal(conversion.state_dict[key], logits)
    # the text parts have no detectron2 counterpart
    reasons = {
        key.split('.')[0] + '.' + key.split('.')[1]: reason
        for key, reason in conversion.left_at_init.items()
    }
    assert set(reasons) == {
        'backbone.text_embed', 'backbone.attn_bias', 'fusion.gate',
        'fusion.text_projs'
    }
    assert 'IMAGE_ONLY=True' in reasons['backbone.text_embed']
    assert 'WARNING' in conversion.unmapped[
        'proposal_generator.anchor_generator.cell_anchors.0']

    # PubLayNet's 5 classes + background do not fit CDLA's 10
    d2_state['roi_heads.box_predictor.1.cls_score.weight'] = torch.zeros(
        6, 1024)
    with pytest.raises(
            CheckpointMismatchError,
            match=r'roi_heads.box_predictor.1.cls_score.weight \(6, 1024\) -> '
            r'roi_head.bbox_head.1.fc_cls.weight: model shape \(11, 1024\)'):
        detectron2_layoutlmv3.convert(d2_state, source)


@pytest.mark.parametrize('key,expected', [
    ('roi_heads.box_head.fc1.weight',
     'roi_head.bbox_head.shared_fcs.0.weight'),
    ('roi_heads.box_predictor.bbox_pred.bias',
     'roi_head.bbox_head.fc_reg.bias'),
    ('roi_heads.mask_head.mask_fcn4.bias',
     'roi_head.mask_head.convs.3.conv.bias'),
    ('backbone.fpn_output5.weight', 'neck.fpn.fpn_convs.3.conv.weight'),
    ('backbone.top_block.x', None),
])
def test_detectron2_keys_of_a_single_stage_head(key, expected):
    model_keys = {'roi_head.mask_head.convs.0.conv.weight'}
    targets = detectron2_layoutlmv3.target_keys(key, model_keys)
    assert targets == (expected and [expected])


class Payload:
    """Stands for any object a pickle could smuggle in."""


def test_detectron2_checkpoint_reading_is_safe(tmp_path):
    arrays = tmp_path / 'model_final.pkl'
    with open(arrays, 'wb') as f:
        pickle.dump(
            dict(
                model={'pixel_mean': np.ones((3, 1, 1), np.float32)},
                __author__='someone'), f)
    state_dict = detectron2_layoutlmv3.read_checkpoint(str(arrays))
    assert torch.equal(state_dict['pixel_mean'], torch.ones(3, 1, 1))

    with open(tmp_path / 'other.pkl', 'wb') as f:
        pickle.dump(dict(model={}, trainer=Payload()), f)
    with pytest.raises(pickle.UnpicklingError, match='Payload is neither'):
        detectron2_layoutlmv3.read_checkpoint(str(tmp_path / 'other.pkl'))

    torch.save(dict(model={}, trainer=Payload()), tmp_path / 'other.pth')
    with pytest.raises(
            pickle.UnpicklingError,
            match='other.pth holds objects other than tensors'):
        detectron2_layoutlmv3.read_checkpoint(str(tmp_path / 'other.pth'))
