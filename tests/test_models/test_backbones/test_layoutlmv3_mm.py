"""Tests of the LayoutLMv3MM backbone.

The peer is transformers' LayoutLMv3Model: tiny configs are saved with
``save_pretrained`` and loaded into LayoutLMv3MM, which must then give the
same hidden states.
"""
import math
import pickle

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.logging import HistoryBuffer
from safetensors.torch import load_file
from helpers.models import TINY_ARCH, TINY_HF
from transformers import LayoutLMv3Config, LayoutLMv3Model

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.layers import (BiasedSelfAttention, patch_grid_boxes,
                                    relative_position_buckets,
                                    valid_area_patch_boxes)
from mmlayout.models.ops import TrainableBiasAttention
from mmlayout.models.utils import (CheckpointMismatchError,
                                   load_layoutlmv3_weights)
from mmlayout.structures import LayoutLMv3Output

PAD_ID = 1


def make_hf_model(rel_pos: bool = True,
                  spatial: bool = True,
                  **fields) -> LayoutLMv3Model:
    """A tiny HF model whose weights make every part of the maths count.

    Default initialisation (std 0.02, zero biases and position tables)
    would leave attention almost uniform; larger weights, and bias weights
    large enough to change the attention, make mistakes visible.
    """
    torch.manual_seed(0)
    config = LayoutLMv3Config(
        **{**TINY_HF, **fields},
        has_relative_attention_bias=rel_pos,
        has_spatial_attention_bias=spatial)
    model = LayoutLMv3Model(config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'LayerNorm' in name or name.startswith('norm'):
                param.normal_(1. if name.endswith('weight') else 0., 0.1)
            elif 'rel_pos' in name:
                param.normal_(0., 2.)
            else:
                param.normal_(0., 0.15 if param.dim() > 1 else 0.1)
    return model


def make_text(batch_size: int = 2,
              length: int = 20,
              vocab_size: int = 100,
              valid_lengths=(20, 13),
              seed: int = 0):
    """Random ids and segment boxes; sample ``i`` is padded after
    ``valid_lengths[i]`` tokens (pad id, zero box, mask 0)."""
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(3, vocab_size, (batch_size, length),
                              generator=generator)
    corner = torch.randint(0, 900, (batch_size, length, 2),
                           generator=generator)
    size = torch.randint(0, 100, (batch_size, length, 2),
                         generator=generator)
    bboxes = torch.cat([corner, corner + size], dim=-1)
    mask = torch.zeros(batch_size, length, dtype=torch.long)
    for index, valid in enumerate(valid_lengths):
        mask[index, :valid] = 1
    input_ids[mask == 0] = PAD_ID
    bboxes[mask == 0] = 0
    return input_ids, bboxes, mask


def tiny_backbone(**kwargs) -> LayoutLMv3MM:
    kwargs.setdefault('drop_path_rate', 0.)
    model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH), **kwargs)
    if 'pretrained' not in kwargs:
        torch.manual_seed(0)
    model.init_weights()
    return model


def as_tokens(feature_map: torch.Tensor) -> torch.Tensor:
    """(B, C, h, w) -> (B, h * w, C)."""
    return feature_map.flatten(2).transpose(1, 2)


# ----------------------------------------------------------------------------
# parity with transformers
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('rel_pos,spatial', [(True, True), (False, False),
                                             (True, False)])
def test_parity_with_hugging_face(tmp_path, rel_pos, spatial):
    hf_model = make_hf_model(rel_pos, spatial)
    hf_model.save_pretrained(tmp_path)
    model = tiny_backbone(
        rel_pos_bias=rel_pos, spatial_bias=spatial,
        pretrained=str(tmp_path)).eval()
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        reference = hf_model(
            input_ids=input_ids,
            bbox=bboxes,
            attention_mask=mask,
            pixel_values=images,
            output_hidden_states=True)
        output = model(images, input_ids, bboxes, mask)

    assert isinstance(output, LayoutLMv3Output)
    assert model.out_indices == (3, 5, 7, 11)
    num_text = input_ids.shape[1]
    for level, block in enumerate(model.out_indices):
        expected = reference.hidden_states[block + 1]
        assert output[level].shape == (2, 64, 14, 14)
        torch.testing.assert_close(
            output.text_states[level], expected[:, :num_text],
            rtol=0, atol=1e-4)
        torch.testing.assert_close(
            as_tokens(output[level]), expected[:, num_text + 1:],
            rtol=0, atol=1e-4)
    last = reference.last_hidden_state
    torch.testing.assert_close(
        output.text_states[-1], last[:, :num_text], rtol=0, atol=1e-4)
    torch.testing.assert_close(
        as_tokens(output[-1]), last[:, num_text + 1:], rtol=0, atol=1e-4)
    assert output.text_mask.tolist() == mask.bool().tolist()


def test_parity_image_only_and_without_mask(tmp_path):
    hf_model = make_hf_model()
    hf_model.save_pretrained(tmp_path)
    images = torch.randn(1, 3, 224, 224)
    image_only = tiny_backbone(
        image_only=True, out_indices=(11, ), pretrained=str(tmp_path))
    assert not hasattr(image_only, 'text_embed')
    model = tiny_backbone(out_indices=(11, ), pretrained=str(tmp_path))
    input_ids, bboxes, _ = make_text(1, 9, valid_lengths=(9, ))
    with torch.no_grad():
        reference = hf_model(pixel_values=images).last_hidden_state
        # image_only ignores text even when it is passed
        output = image_only.eval()(images, input_ids, bboxes)
        text_reference = hf_model(
            input_ids=input_ids, bbox=bboxes,
            pixel_values=images).last_hidden_state
        text_output = model.eval()(images, input_ids, bboxes)
    assert output.text_states is None and output.text_mask is None
    torch.testing.assert_close(
        as_tokens(output[0]), reference[:, 1:], rtol=0, atol=1e-4)
    torch.testing.assert_close(
        text_output.text_states[0], text_reference[:, :9], rtol=0, atol=1e-4)
    assert text_output.text_mask.all()


def test_spatial_bias_alone_is_applied(tmp_path):
    """Deliberate difference: HF drops the 2D bias when it is the only one."""
    hf_model = make_hf_model(rel_pos=False, spatial=True)
    hf_model.save_pretrained(tmp_path)
    model = tiny_backbone(
        rel_pos_bias=False, out_indices=(11, ),
        pretrained=str(tmp_path)).eval()
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        reference = hf_model(
            input_ids=input_ids, bbox=bboxes, attention_mask=mask,
            pixel_values=images).last_hidden_state
        with_bias = model(images, input_ids, bboxes, mask)
        model.attn_bias.use_spatial = False
        without_bias = model(images, input_ids, bboxes, mask)
    visual = reference[:, input_ids.shape[1] + 1:]
    torch.testing.assert_close(
        as_tokens(without_bias[0]), visual, rtol=0, atol=1e-4)
    assert (as_tokens(with_bias[0]) - visual).abs().max() > 1e-2


def test_relative_position_buckets_match_hugging_face():
    encoder = make_hf_model().encoder
    offsets = torch.arange(-1500, 1501)
    for buckets, distance in ((32, 128), (64, 256)):
        expected = encoder.relative_position_bucket(
            offsets, num_buckets=buckets, max_distance=distance)
        assert torch.equal(
            relative_position_buckets(offsets, buckets, distance), expected)


@pytest.mark.parametrize('grid', [(14, 14), (6, 10), (50, 38)])
def test_visual_boxes_match_hugging_face_for_any_grid(grid):
    expected = make_hf_model().create_visual_bbox(image_size=grid)
    assert torch.equal(patch_grid_boxes(*grid), expected)


# ----------------------------------------------------------------------------
# attention bias: values and gradients
# ----------------------------------------------------------------------------
def dense_reference_bias(model, encoder, input_ids, bboxes, mask, grid):
    """The bias built the plain way: per-pair buckets, weight look-ups."""
    bias_module = model.attn_bias
    batch_size, num_text = input_ids.shape
    num_visual = 1 + grid[0] * grid[1]
    positions = torch.cat([torch.arange(num_text), torch.arange(num_visual)])
    rel_1d = encoder.relative_position_bucket(
        positions[None, :] - positions[:, None], num_buckets=32,
        max_distance=128)
    boxes = torch.cat(
        [bboxes, patch_grid_boxes(*grid).expand(batch_size, -1, -1)], dim=1)
    x0, y1 = boxes[..., 0], boxes[..., 3]
    rel_x = encoder.relative_position_bucket(
        x0[:, None, :] - x0[:, :, None], num_buckets=64, max_distance=256)
    rel_y = encoder.relative_position_bucket(
        y1[:, None, :] - y1[:, :, None], num_buckets=64, max_distance=256)
    bias = (bias_module.rel_pos_weight.t()[rel_1d][None] +
            bias_module.rel_x_weight.t()[rel_x] +
            bias_module.rel_y_weight.t()[rel_y]).permute(0, 3, 1, 2)
    bias = bias / math.sqrt(64 // 4)
    key_mask = torch.cat([mask.bool(), mask.new_ones(batch_size,
                                                     num_visual).bool()], 1)
    return bias.masked_fill(~key_mask[:, None, None, :], float('-inf'))


def test_attention_bias_values_and_gradients():
    model = tiny_backbone()
    encoder = make_hf_model().encoder
    input_ids, bboxes, mask = make_text(length=12, valid_lengths=(12, 7))
    grid = (4, 6)
    key_mask = torch.cat([mask.bool(), torch.ones(2, 25, dtype=bool)], 1)
    bias = model.attn_bias(12, 25, patch_grid_boxes(*grid), bboxes, key_mask)
    expected = dense_reference_bias(model, encoder, input_ids, bboxes, mask,
                                    grid)
    assert bias.shape == (2, 4, 37, 37)
    torch.testing.assert_close(bias, expected, rtol=0, atol=1e-6)

    weights = [model.attn_bias.rel_pos_weight, model.attn_bias.rel_x_weight,
               model.attn_bias.rel_y_weight]
    upstream = torch.randn(bias.shape)
    finite = expected.isfinite()
    ours = torch.autograd.grad(bias[finite].mul(upstream[finite]).sum(),
                               weights)
    reference = torch.autograd.grad(
        expected[finite].mul(upstream[finite]).sum(), weights)
    for grad, expected_grad in zip(ours, reference):
        assert grad.abs().sum() > 0
        torch.testing.assert_close(grad, expected_grad, rtol=1e-5, atol=1e-5)


def projection_loss(output, seed: int = 0) -> torch.Tensor:
    """Sum of the outputs (maps and text states) projected on fixed random
    tensors. (A squared-mean loss would be constant: every token leaves a
    LayerNorm with unit weight, so its mean square is exactly 1.)"""
    generator = torch.Generator().manual_seed(seed)
    tensors = list(output) + list(output.text_states or ())
    return sum((tensor.float() * torch.randn(
        tensor.shape, generator=generator, dtype=torch.float64).to(
            tensor.device, torch.float32)).sum() for tensor in tensors)


def test_biased_self_attention_takes_any_broadcastable_trainable_bias():
    """A bias shared by the heads (B, 1, N, N) skips the per-head custom
    backward and still gets gradients."""
    torch.manual_seed(0)
    attention = BiasedSelfAttention(16, num_heads=4)
    tokens = torch.randn(2, 5, 16)
    bias = torch.randn(2, 1, 5, 5, requires_grad=True)
    attention(tokens, bias).sum().backward()
    assert bias.grad.shape == (2, 1, 5, 5) and bias.grad.abs().sum() > 0


def test_gradients_reach_bias_weights_through_the_backbone(monkeypatch):
    """The bias gradients of the whole backbone (CPU custom backward) equal
    those of autograd through unfused attention, in float64."""
    model = tiny_backbone(out_indices=(3, 11)).train().double()
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 64, 96, dtype=torch.float64)
    names = ('rel_pos_weight', 'rel_x_weight', 'rel_y_weight')

    def bias_gradients():
        model.zero_grad()
        projection_loss(model(images, input_ids, bboxes, mask)).backward()
        return [getattr(model.attn_bias, name).grad.clone() for name in names]

    ours = bias_gradients()
    # padded text tokens get no gradient through their word embedding
    assert model.text_embed.word_embed.weight.grad[PAD_ID].abs().sum() == 0
    monkeypatch.setattr(
        TrainableBiasAttention, 'apply',
        lambda query, key, value, bias: torch.nn.functional.
        scaled_dot_product_attention(query, key, value, attn_mask=bias))
    reference = bias_gradients()
    for name, grad, expected in zip(names, ours, reference):
        assert expected.abs().max() > 1e-3, name
        torch.testing.assert_close(grad, expected, msg=name)


# ----------------------------------------------------------------------------
# weights: Hugging Face layouts, prefixes, mmlayout checkpoints, errors
# ----------------------------------------------------------------------------
@pytest.fixture(scope='module')
def base_checkpoints(tmp_path_factory):
    """Random base-size weights saved as HF directories: the base model
    (bare keys, safetensors) and a task model (``layoutlmv3.`` prefix plus
    a classifier, pytorch_model.bin)."""
    config = LayoutLMv3Config(max_position_embeddings=514, type_vocab_size=1)
    bare = tmp_path_factory.mktemp('layoutlmv3_base')
    LayoutLMv3Model(config).save_pretrained(bare)
    prefixed = tmp_path_factory.mktemp('layoutlmv3_base_task')
    config.save_pretrained(prefixed)
    state_dict = {f'layoutlmv3.{key}': value
                  for key, value in load_file(
                      bare / 'model.safetensors').items()}
    state_dict['classifier.weight'] = torch.zeros(7, 768)
    torch.save(state_dict, prefixed / 'pytorch_model.bin')
    return bare, prefixed


def test_base_checkpoints_with_and_without_prefix(base_checkpoints):
    bare, prefixed = base_checkpoints
    reference = load_file(bare / 'model.safetensors')
    model = LayoutLMv3MM(arch='base', pretrained=str(bare))
    model.init_weights()
    for source in (bare, prefixed):
        if source is prefixed:
            with torch.no_grad():
                for param in model.parameters():
                    param.zero_()
            report = load_layoutlmv3_weights(model, str(source))
            assert report['skipped'] == ['classifier.weight']
            assert report['missing'] == []
        state = model.state_dict()
        assert torch.equal(state['text_embed.word_embed.weight'],
                           reference['embeddings.word_embeddings.weight'])
        assert torch.equal(
            state['layers.7.attn.qkv.weight'],
            torch.cat([
                reference[f'encoder.layer.7.attention.self.{part}.weight']
                for part in ('query', 'key', 'value')
            ]))
        assert torch.equal(state['attn_bias.rel_x_weight'],
                           reference['encoder.rel_pos_x_bias.weight'])
    # the model from the prefixed checkpoint runs at detection size
    input_ids, bboxes, mask = make_text(1, 512, 50265, valid_lengths=(500, ))
    with torch.no_grad():
        output = model.eval()(torch.randn(1, 3, 800, 608), input_ids, bboxes,
                              mask)
    assert [tuple(m.shape) for m in output] == [(1, 768, 50, 38)] * 4
    assert [tuple(t.shape) for t in output.text_states] == [(1, 512, 768)] * 4
    assert all(m.isfinite().all() for m in output)


def test_load_report_of_switched_off_parts(base_checkpoints):
    bare, _ = base_checkpoints
    model = LayoutLMv3MM(
        arch='base', image_only=True, rel_pos_bias=False, spatial_bias=False)
    # text and bias weights were switched off: skipped without complaint
    report = load_layoutlmv3_weights(
        model, str(bare), disabled_prefixes=('text_embed.', 'attn_bias.'))
    assert report['missing'] == []
    assert 'embeddings.word_embeddings.weight' in report['skipped']
    # otherwise keys the model has no place for are an error, named as in
    # the file
    with pytest.raises(CheckpointMismatchError) as error:
        load_layoutlmv3_weights(model, str(bare))
    assert 'encoder.rel_pos_bias.weight' in str(error.value)
    assert 'embeddings.word_embeddings.weight' in str(error.value)


def test_checkpoint_of_another_model_raises(tmp_path):
    """A wrong checkpoint must not leave most of the backbone random."""
    torch.save({'conv1.weight': torch.zeros(64, 3, 7, 7),
                'layer1.0.bn1.weight': torch.ones(64),
                'patch_embed.weight': torch.zeros(64, 3, 16, 16)},
               tmp_path / 'resnet.pth')
    with pytest.raises(CheckpointMismatchError) as error:
        tiny_backbone(pretrained=str(tmp_path / 'resnet.pth'))
    message = str(error.value)
    assert str(tmp_path / 'resnet.pth') in message
    assert 'model tensors missing from the checkpoint' in message
    assert 'layers.11.attn.qkv.weight' in message
    assert 'no place for: conv1.weight, layer1.0.bn1.weight' in message
    assert 'allow_missing' in message


def test_partial_checkpoint_loads_only_where_allowed(tmp_path):
    hf_model = make_hf_model()
    vision_only = {key: value for key, value in hf_model.state_dict().items()
                   if not key.startswith('embeddings.')}
    torch.save(vision_only, tmp_path / 'vision.pth')
    with pytest.raises(CheckpointMismatchError,
                       match='9 model tensors missing.*text_embed'):
        tiny_backbone(pretrained=str(tmp_path / 'vision.pth'))
    model = tiny_backbone(pretrained=str(tmp_path / 'vision.pth'),
                          allow_missing=('text_embed.', ))
    assert torch.equal(
        model.layers[3].ffn.fc1.weight,
        hf_model.state_dict()['encoder.layer.3.intermediate.dense.weight'])
    report = load_layoutlmv3_weights(
        model, str(tmp_path / 'vision.pth'), allow_missing=('text_embed.', ))
    assert sorted(report['missing']) == sorted(
        f'text_embed.{name}' for name, _ in
        model.text_embed.named_parameters())
    # a model that is image only needs no allow_missing for that checkpoint
    tiny_backbone(image_only=True, pretrained=str(tmp_path / 'vision.pth'))


def test_config_json_must_match_the_arch(tmp_path):
    make_hf_model().save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r'num_hidden_layers=12 but '
                       r'num_layers=6'):
        LayoutLMv3MM(
            arch_cfg=dict(TINY_ARCH, num_layers=6),
            out_indices=(5, ),
            pretrained=str(tmp_path)).init_weights()
    # a head count mismatch changes no shape but must not load silently
    with pytest.raises(ValueError, match=r'num_attention_heads=4 but '
                       r'num_heads=8'):
        LayoutLMv3MM(arch_cfg=dict(TINY_ARCH, num_heads=8),
                     pretrained=str(tmp_path)).init_weights()


def test_missing_keys_and_shape_errors(tmp_path):
    hf_model = make_hf_model()
    state_dict = hf_model.state_dict()
    del state_dict['encoder.layer.2.output.dense.bias']
    state_dict['encoder.layer.4.intermediate.dense.weight'] = torch.zeros(
        256, 64)
    torch.save(state_dict, tmp_path / 'weights.pth')
    with pytest.raises(CheckpointMismatchError) as error:
        tiny_backbone(pretrained=str(tmp_path / 'weights.pth'))
    message = str(error.value)
    assert ('encoder.layer.4.intermediate.dense.weight -> '
            'layers.4.ffn.fc1.weight: checkpoint shape (256, 64), model '
            'shape (128, 64)') in message
    assert '1 model tensors missing from the checkpoint: ' in message
    assert 'layers.2.ffn.fc2.bias' in message

    state_dict['encoder.layer.4.intermediate.dense.weight'] = torch.zeros(
        128, 64)
    torch.save(state_dict, tmp_path / 'weights.pth')
    model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH))
    with pytest.raises(CheckpointMismatchError,
                       match='missing from the checkpoint: '
                       r'layers\.2\.ffn\.fc2\.bias'):
        load_layoutlmv3_weights(model, str(tmp_path / 'weights.pth'))
    report = load_layoutlmv3_weights(model, str(tmp_path / 'weights.pth'),
                                     allow_missing=('layers.2.ffn.', ))
    assert report['missing'] == ['layers.2.ffn.fc2.bias']

    del state_dict['encoder.layer.0.attention.self.key.weight']
    torch.save(state_dict, tmp_path / 'weights.pth')
    with pytest.raises(CheckpointMismatchError,
                       match='layers.0.attn.qkv.weight: checkpoint has only'):
        load_layoutlmv3_weights(model, str(tmp_path / 'weights.pth'),
                                allow_missing=('layers.2.ffn.', ))


def test_pos_embed_of_another_grid_is_resized(tmp_path):
    hf_model = make_hf_model(input_size=128)  # an 8x8 pos_embed grid
    hf_model.save_pretrained(tmp_path)
    model = tiny_backbone(pretrained=str(tmp_path))
    assert model.pos_embed.shape == (1, 197, 64)
    torch.testing.assert_close(model.pos_embed[:, 0],
                               hf_model.pos_embed[:, 0])


def test_pos_embed_of_a_non_square_grid_is_a_mismatch(tmp_path):
    state_dict = make_hf_model().state_dict()
    state_dict['pos_embed'] = torch.zeros(1, 1 + 6 * 8, 64)  # 6x8 patches
    torch.save(state_dict, tmp_path / 'weights.pth')
    with pytest.raises(CheckpointMismatchError, match='not a square grid'):
        tiny_backbone(pretrained=str(tmp_path / 'weights.pth'))


def test_mmlayout_checkpoint_round_trip(tmp_path):
    source = tiny_backbone()
    checkpoint = dict(
        meta=dict(epoch=3, seed=np.int64(7), dataset_meta=dict(classes=(
            'Text', 'Title'))),
        state_dict={
            **{f'backbone.{k}': v for k, v in source.state_dict().items()},
            'neck.lateral_convs.0.conv.weight': torch.zeros(256, 64, 1, 1),
        },
        message_hub=dict(log_scalars=dict(loss=HistoryBuffer(
            np.array([0.5, 0.4]), np.array([1, 1])))))
    path = tmp_path / 'epoch_3.pth'
    torch.save(checkpoint, path)
    model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH), pretrained=str(path))
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_hub_names_are_fetched_through_huggingface_hub(tmp_path, monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
    )
    make_hf_model().save_pretrained(tmp_path)
    requests = []

    def fake_download(repo_id, filename):
        requests.append((repo_id, filename))
        if (tmp_path / filename).exists():
            return str(tmp_path / filename)
        raise EntryNotFoundError(filename)

    monkeypatch.setattr(huggingface_hub, 'hf_hub_download', fake_download)
    model = tiny_backbone(pretrained='someone/tiny-layoutlmv3')
    assert requests == [('someone/tiny-layoutlmv3', 'config.json'),
                        ('someone/tiny-layoutlmv3', 'model.safetensors')]
    assert model.attn_bias.rel_pos_weight.abs().max() > 1  # loaded

    def offline(repo_id, filename):
        raise LocalEntryNotFoundError('no connection')

    monkeypatch.setattr(huggingface_hub, 'hf_hub_download', offline)
    with pytest.raises(FileNotFoundError, match='neither a local file'):
        tiny_backbone(pretrained='microsoft/layoutlmv3-base')


# ----------------------------------------------------------------------------
# behaviour and options
# ----------------------------------------------------------------------------
def test_output_is_a_tuple_of_maps_for_necks():
    model = tiny_backbone(out_indices=(1, 3)).eval()
    input_ids, bboxes, mask = make_text()
    with torch.no_grad():
        output = model(torch.randn(2, 3, 48, 80), input_ids, bboxes, mask)
    assert len(output) == 2 and isinstance(output, tuple)
    assert [tuple(m.shape) for m in output] == [(2, 64, 3, 5)] * 2
    first, second = output  # unpacks like the tuple a neck expects
    assert first is output.visual_maps[0]
    restored = pickle.loads(pickle.dumps(output))
    assert torch.equal(restored.text_states[1], output.text_states[1])
    with torch.no_grad():
        image_only = model(torch.randn(2, 3, 48, 80))
    assert image_only.text_states is None and len(image_only) == 2


def test_any_image_size_changes_only_the_grid():
    model = tiny_backbone(out_indices=(0, )).eval()
    input_ids, bboxes, mask = make_text()
    for height, width in ((32, 32), (224, 224), (400, 176)):
        with torch.no_grad():
            output = model(torch.randn(2, 3, height, width), input_ids,
                           bboxes, mask)
        assert output[0].shape == (2, 64, height // 16, width // 16)


def test_convolutional_stem():
    model = tiny_backbone(out_indices=(0, ), stem_channels=(8, 16, 32, 32))
    convs = [m for m in model.patch_embed.modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride) for c in convs] == [
        (3, 8, (2, 2)), (8, 16, (2, 2)), (16, 32, (2, 2)), (32, 32, (2, 2)),
        (32, 64, (1, 1))]
    # Kaiming (std sqrt(2 / fan_in)), not the transformer's 0.02
    first = convs[0].weight
    assert 0.15 < first.std().item() < 0.45, first.std()
    input_ids, bboxes, mask = make_text()
    output = model(torch.randn(2, 3, 48, 80), input_ids, bboxes, mask)
    assert output[0].shape == (2, 64, 3, 5)
    output[0].sum().backward()
    assert convs[0].weight.grad.abs().sum() > 0
    for bad in ((8, 16, 32), (8, 16, 32, 0)):
        with pytest.raises(ValueError, match='stem_channels must be 4'):
            tiny_backbone(stem_channels=bad)


def test_valid_area_patch_boxes():
    # an image that fills its canvas gets the boxes of the unpadded grid
    full = torch.tensor([[160, 96], [160, 96]])
    boxes = valid_area_patch_boxes(full, 10, 6, 16)
    assert torch.equal(boxes, patch_grid_boxes(10, 6).expand(2, -1, -1))
    # (150, 100) pixels of content on a 12 x 8 patch canvas
    boxes = valid_area_patch_boxes(torch.tensor([[150, 100]]), 12, 8, 16)
    cells = boxes[0, 1:].reshape(12, 8, 4)
    assert boxes[0, 0].tolist() == [1, 1, 999, 999]
    assert cells[0, 0].tolist() == [0, 0, 160, 106]
    # patch (row 9, col 6) straddles the content's edge: clipped at 1000
    assert cells[9, 6].tolist() == [960, 960, 1000, 1000]
    assert cells[11, 7].tolist() == [1000, 1000, 1000, 1000]
    # a text box covering input pixels x 32..48 lands on patch column 2
    assert cells[0, 2, 0] == 32 * 1000 // 100


def _pad_to(image: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Zero-pad a (3, h, w) image at the bottom/right, as the data
    preprocessor does after normalisation."""
    return torch.nn.functional.pad(
        image, (0, width - image.shape[2], 0, height - image.shape[1]))


@pytest.mark.parametrize('options', [
    dict(),
    dict(rel_pos_bias=False, spatial_bias=False),
    dict(image_only=True),
])
def test_batch_invariance(options):
    """A page's features inside its valid area do not depend on the other
    pages of its batch: alone (padded only to the patch size) and padded
    into a batch with a larger page with longer text give the same maps and
    text states."""
    model = tiny_backbone(out_indices=(1, 11), **options).eval()
    generator = torch.Generator().manual_seed(3)
    page = torch.randn(3, 150, 100, generator=generator)  # 10 x 7 patches
    large = torch.randn(3, 224, 192, generator=generator)
    input_ids, bboxes, mask = make_text(2, 20, valid_lengths=(9, 20))
    with torch.no_grad():
        alone = model(_pad_to(page, 160, 112)[None], input_ids[:1, :9],
                      bboxes[:1, :9], mask[:1, :9],
                      valid_shapes=torch.tensor([[150, 100]]))
        batch = model(torch.stack([_pad_to(page, 224, 192), large]),
                      input_ids, bboxes, mask,
                      valid_shapes=torch.tensor([[150, 100], [224, 192]]))
        # the large page fills the canvas: as if it ran alone, unpadded
        large_alone = model(large[None], input_ids[1:], bboxes[1:], mask[1:])
    for level in range(2):
        assert batch[level].shape == (2, 64, 14, 12)
        difference = batch[level][0, :, :10, :7] - alone[level][0, :, :10, :7]
        assert difference.abs().max() <= 1e-4
        torch.testing.assert_close(batch[level][1], large_alone[level][0],
                                   rtol=0, atol=1e-4)
        if not options.get('image_only'):
            difference = batch.text_states[level][0, :9] - (
                alone.text_states[level][0])
            assert difference.abs().max() <= 1e-4
    # without valid shapes the padding changes the page's features
    with torch.no_grad():
        unaware = model(torch.stack([_pad_to(page, 224, 192), large]),
                        input_ids, bboxes, mask)
    assert (unaware[1][0, :, :10, :7] - alone[1][0, :, :10, :7]).abs().max(
    ) > 1e-2


def test_unpadded_valid_shapes_change_nothing():
    model = tiny_backbone(out_indices=(11, )).eval()
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        plain = model(images, input_ids, bboxes, mask)
        with_shapes = model(images, input_ids, bboxes, mask,
                            valid_shapes=torch.tensor([[64, 96]] * 2))
    assert torch.equal(plain[0], with_shapes[0])
    assert torch.equal(plain.text_states[0], with_shapes.text_states[0])
    for bad, message in (
            (torch.tensor([[64, 96]]), r'shape \(2, 2\)'),
            (torch.tensor([[64.0, 96.0]] * 2), 'integer'),
            (torch.tensor([[65, 96], [64, 96]]), r'1\.\.64 \(h\)'),
            (torch.tensor([[0, 96], [64, 96]]), 'must lie in')):
        with pytest.raises(ValueError, match=message):
            model(images, valid_shapes=bad)


def test_registry_presets_and_overrides():
    model = MODELS.build(
        dict(type='LayoutLMv3MM', arch='large',
             arch_cfg=dict(num_layers=2, vocab_size=10),
             out_indices=(0, 1)))
    assert model.arch.embed_dims == 1024 and model.arch.num_heads == 16
    assert model.layers[0].ffn.fc1.out_features == 4096
    assert model.text_embed.x_embed.embedding_dim == 171
    assert LayoutLMv3MM(
        arch='base-chinese', arch_cfg=dict(num_layers=1),
        out_indices=(0, )).arch.vocab_size == 250002
    with pytest.raises(KeyError, match='Unknown LayoutLMv3 arch'):
        LayoutLMv3MM(arch='huge')
    with pytest.raises(TypeError, match='unknown field'):
        LayoutLMv3MM(arch_cfg=dict(hidden_size=64))
    with pytest.raises(ValueError, match='out_indices'):
        LayoutLMv3MM(arch_cfg=dict(num_layers=4))


def test_bad_inputs_give_clear_errors():
    model = tiny_backbone(out_indices=(0, ))
    images = torch.randn(2, 3, 64, 64)
    input_ids, bboxes, mask = make_text(length=8, valid_lengths=(8, 8))
    with pytest.raises(ValueError, match='multiples of 16'):
        model(torch.randn(2, 3, 64, 70))
    with pytest.raises(ValueError, match=r'shape \(B, 3, H, W\)'):
        model(torch.randn(2, 1, 64, 64))
    with pytest.raises(ValueError, match=r'bboxes must lie in 0..1023'):
        model(images, input_ids, bboxes * 2, mask)
    negative = bboxes.clone()
    negative[1, 3, 0] = -1
    with pytest.raises(ValueError, match=r'got values in \[-1,'):
        model(images, input_ids, negative, mask)
    with pytest.raises(ValueError, match=r'bboxes must have shape \(2, 8, 4'):
        model(images, input_ids, bboxes[:, :5], mask)
    with pytest.raises(ValueError, match='integer'):
        model(images, input_ids, bboxes / 1000, mask)
    with pytest.raises(ValueError, match='attention_mask must have shape'):
        model(images, input_ids, bboxes, mask[:, :3])
    with pytest.raises(ValueError, match=r'input_ids must have shape \(2, L'):
        model(images, input_ids[:1], bboxes[:1], mask[:1])
    with pytest.raises(ValueError, match='input_ids must lie in'):
        model(images, input_ids + 100, bboxes, mask)
    long_ids, long_boxes, _ = make_text(2, 39, valid_lengths=(39, 39))
    with pytest.raises(ValueError, match='39 text tokens exceed the 38'):
        model(images, long_ids, long_boxes)


def test_gradient_checkpointing_gives_the_same_gradients():
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 64, 64)
    grads = []
    for with_cp in (False, True):
        model = tiny_backbone(with_cp=with_cp, out_indices=(3, )).train()
        projection_loss(model(images, input_ids, bboxes, mask)).backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    assert grads[0]['attn_bias.rel_pos_weight'].abs().max() > 1e-3
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, msg=name)


def test_drop_path_rule_and_frozen_stages():
    model = LayoutLMv3MM(
        arch_cfg=dict(TINY_ARCH, num_layers=5), out_indices=(4, ),
        drop_path_rate=0.2, frozen_stages=2)
    rates = [getattr(layer.drop_path, 'drop_prob', 0.) for layer in
             model.layers]
    assert rates == pytest.approx([0., 0.05, 0.1, 0.15, 0.2])
    model.train()
    frozen = [model.patch_embed, model.text_embed, model.attn_bias,
              model.layers[0], model.layers[1]]
    assert all(not m.training for m in frozen)
    assert not model.pos_embed.requires_grad
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert model.layers[2].training
    assert all(p.requires_grad for p in model.layers[2].parameters())


def test_training_is_stochastic_and_eval_is_not():
    torch.manual_seed(0)
    model = LayoutLMv3MM(
        arch_cfg=dict(TINY_ARCH, num_layers=2), out_indices=(1, ),
        drop_path_rate=0.5).train()  # block 1 drops half of the samples
    images = torch.randn(8, 3, 32, 32)
    first, second = model(images)[0], model(images)[0]
    assert not torch.equal(first, second)
    model.eval()
    assert torch.equal(model(images)[0], model(images)[0])


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_autocast_forward_and_training(dtype):
    model = tiny_backbone(out_indices=(11, )).eval()
    input_ids, bboxes, mask = make_text()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        reference = model(images, input_ids, bboxes, mask)
        with torch.autocast('cpu', dtype=dtype):
            output = model(images, input_ids, bboxes, mask)
    assert output[0].isfinite().all()
    error = (output[0].float() - reference[0]).abs().mean()
    assert error < 0.1 * reference[0].abs().mean()

    def gradients(autocast_dtype, loss_scale):
        """All parameters' gradients and the bias weights' alone."""
        model.zero_grad()
        with torch.autocast('cpu', dtype=autocast_dtype or torch.float32,
                            enabled=autocast_dtype is not None):
            loss = projection_loss(model(images, input_ids, bboxes, mask))
        (loss * loss_scale).backward()
        grads = [(name, param.grad.flatten() / loss_scale)
                 for name, param in model.named_parameters()]
        return (torch.cat([grad for _, grad in grads]),
                torch.cat([g for name, g in grads if 'attn_bias' in name]))

    model.train()
    expected = gradients(None, 1.)
    # fp16 needs loss scaling against underflow, as AmpOptimWrapper does
    grads = gradients(dtype, 1024. if dtype == torch.float16 else 1.)
    for grad, expected_grad in zip(grads, expected):
        assert grad.dtype == torch.float32 and grad.isfinite().all()
        assert torch.cosine_similarity(grad, expected_grad, dim=0) > 0.99


@pytest.mark.parametrize('biases', [True, False])
def test_visual_tokens_that_do_not_attend_to_text(biases):
    """With ``visual_attends_text=False`` the visual maps are those of the
    same weights without text (image_only), whatever the text; the text
    states still depend on the text, and the visual maps differ from
    those of the same weights with joint attention."""
    options = dict(arch='base', rel_pos_bias=biases, spatial_bias=biases,
                   num_layers=2, out_indices=(0, 1))
    options['arch_cfg'] = dict(TINY_ARCH, num_layers=options.pop('num_layers'))
    torch.manual_seed(0)
    blocked = LayoutLMv3MM(visual_attends_text=False, drop_path_rate=0.,
                           **options).eval()
    image_only = LayoutLMv3MM(image_only=True, drop_path_rate=0., **options)
    image_only.load_state_dict(blocked.state_dict(), strict=False)
    image_only.eval()
    images = torch.randn(2, 3, 48, 64)
    texts = [make_text(seed=seed) for seed in (0, 1)]
    with torch.no_grad():
        outputs = [blocked(images, *text) for text in texts]
        expected = image_only(images)
        joint = LayoutLMv3MM(drop_path_rate=0., **options).eval()
        joint.load_state_dict(blocked.state_dict())
        attending = joint(images, *texts[0])
    for output in outputs:
        for visual_map, reference in zip(output, expected):
            torch.testing.assert_close(visual_map, reference)
    # the text states differ with the text, and differ from a model whose
    # patches do attend to the text only in the visual maps
    assert not torch.allclose(outputs[0].text_states[-1],
                              outputs[1].text_states[-1])
    assert not torch.allclose(attending[-1], outputs[0][-1])
    with pytest.raises(ValueError, match="needs attention_backend='sdpa'"):
        LayoutLMv3MM(visual_attends_text=False, attention_backend='flex',
                     **options)
