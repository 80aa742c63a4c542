"""Tests of the FlexAttention form of LayoutLMv3's attention biases.

The reference is today's attention: the ``(B, heads, N, N)`` bias tensor of
``LayoutLMv3AttentionBias`` added in SDPA. On CPU ``flex_attention`` runs
eagerly (its reference implementation, which materializes the scores), so
these tests check the maths of the ``score_mod`` and the block mask, not the
compiled kernel; the CUDA test compares the compiled kernel.
"""
import pytest
import torch
import torch.nn.attention.flex_attention as flex_attention_module
import torch.nn.functional as F
from helpers.cuda import requires_cuda
from helpers.models import TINY_ARCH
from torch.nn.attention.flex_attention import create_block_mask

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.backbones import layoutlmv3_mm
from mmlayout.models.layers import (BiasedSelfAttention,
                                    LayoutLMv3AttentionBias,
                                    layoutlmv3_layers, patch_grid_boxes,
                                    valid_area_patch_boxes)
from mmlayout.models.layers.flex_attention_bias import (
    FlexAttentionBias, flex_biased_attention, key_padding_block_mask)

pytestmark = pytest.mark.filterwarnings(
    'ignore:flex_attention called without torch.compile')

BIAS_NAMES = ('rel_pos_weight', 'rel_x_weight', 'rel_y_weight')


def count_flex_attention_calls(monkeypatch) -> list:
    """Record every attention of BiasedSelfAttention through
    FlexAttention; returns the list that grows by one per call."""
    calls = []

    def counted(*args):
        calls.append(args[0].device.type)
        return flex_biased_attention(*args)

    monkeypatch.setattr(layoutlmv3_layers, 'flex_biased_attention', counted)
    return calls


@pytest.fixture
def eager_flex_backward_on_cpu(monkeypatch):
    """Let q, k and v require gradients in ``flex_attention`` on CPU.

    torch 2.13 refuses that up front, its compiled CPU kernel having no
    backward; the eager reference these tests run does differentiate them.
    """
    monkeypatch.setattr(flex_attention_module, '_validate_device',
                        lambda query, key, value: None, raising=False)


def make_bias_module(rel_pos: bool, spatial: bool) -> LayoutLMv3AttentionBias:
    """LayoutLMv3's bucket settings, 2 heads of 4 channels, float64 weights
    large enough to change the attention."""
    torch.manual_seed(0)
    module = LayoutLMv3AttentionBias(
        num_heads=2, head_dims=4, use_rel_pos=rel_pos, use_spatial=spatial,
        rel_pos_buckets=32, max_rel_pos=128, rel_2d_pos_buckets=64,
        max_rel_2d_pos=256, max_2d_coord=1024).double()
    for param in module.parameters():
        param.data.normal_(0., 2.)
    return module


def padded_layout():
    """2 pages, 4 text tokens each (the second's last 2 padded), a 2 x 3
    patch grid whose second image is padded (its last column masked), visual
    boxes and 1D positions per image."""
    generator = torch.Generator().manual_seed(0)
    corner = torch.randint(0, 900, (2, 4, 2), generator=generator)
    text_bboxes = torch.cat([corner, corner + 50], dim=-1)
    visual_boxes = valid_area_patch_boxes(
        torch.tensor([[32, 48], [32, 32]]), 2, 3, patch_size=16)
    visual_positions = torch.tensor([[0, 1, 2, 3, 4, 5, 6],
                                     [0, 1, 2, 0, 3, 4, 0]])
    text_mask = torch.tensor([[True] * 4, [True, True, False, False]])
    visual_mask = torch.tensor([[True] * 7,
                                [True, True, True, False, True, True, False]])
    return dict(num_text=4, num_visual=7, visual_boxes=visual_boxes,
                text_bboxes=text_bboxes,
                key_mask=torch.cat([text_mask, visual_mask], dim=1),
                visual_positions=visual_positions)


def shared_image_layout():
    """No text and nothing padded: boxes and positions shared by the
    batch."""
    return dict(num_text=0, num_visual=7, visual_boxes=patch_grid_boxes(2, 3))


@pytest.mark.parametrize('rel_pos,spatial,layout', [
    (True, True, padded_layout),
    (True, True, shared_image_layout),
    (True, False, padded_layout),
    (False, True, padded_layout),
    (False, False, padded_layout),
])
def test_flex_bias_equals_the_bias_tensor_in_sdpa(eager_flex_backward_on_cpu,
                                                  rel_pos, spatial, layout):
    """Output and gradients of q, k, v and the bias weights, float64."""
    module = make_bias_module(rel_pos, spatial)
    inputs = layout()
    seq_len = inputs['num_text'] + inputs['num_visual']
    generator = torch.Generator().manual_seed(1)
    query, key, value = (torch.randn(
        2, 2, seq_len, 4, dtype=torch.float64, generator=generator,
        requires_grad=True) for _ in range(3))
    upstream = torch.randn(2, 2, seq_len, 4, dtype=torch.float64,
                           generator=generator)
    weights = [param for name, param in module.named_parameters()
               if name in BIAS_NAMES]
    bias = module(**inputs, dtype=torch.float64)
    flex_bias = module.flex_bias(**inputs, dtype=torch.float64)
    assert isinstance(flex_bias, FlexAttentionBias)
    assert (flex_bias.score_mod is None) == (not module.enabled)

    outputs = []
    for attend in (lambda: F.scaled_dot_product_attention(
            query, key, value, attn_mask=bias),
                   lambda: flex_biased_attention(query, key, value,
                                                 flex_bias)):
        out = attend()
        grads = torch.autograd.grad((out * upstream).sum(),
                                    [query, key, value, *weights])
        outputs.append((out, *grads))
    names = ['out', 'query', 'key', 'value',
             *(name for name in BIAS_NAMES if hasattr(module, name))]
    for name, ours, expected in zip(names, outputs[1], outputs[0]):
        assert expected.abs().max() > 1e-3, name
        torch.testing.assert_close(ours, expected, rtol=1e-10, atol=1e-12,
                                   msg=name)


def test_biased_self_attention_and_backbone_attend_with_a_flex_bias(
        eager_flex_backward_on_cpu, monkeypatch):
    """A 2-block backbone with attention_backend='flex', let through on CPU,
    gives the outputs and gradients of 'sdpa' (padded text and images,
    float64)."""
    monkeypatch.setattr(LayoutLMv3MM, 'FLEX_DEVICE_TYPES', ('cuda', 'cpu'))
    flex_calls = count_flex_attention_calls(monkeypatch)
    layout = padded_layout()
    input_ids = torch.tensor([[5, 6, 7, 8], [9, 10, 1, 1]])
    images = torch.randn(2, 3, 32, 48, generator=torch.Generator()
                         .manual_seed(2), dtype=torch.float64)
    valid_shapes = torch.tensor([[32, 48], [32, 32]])
    results = []
    for backend in ('sdpa', 'flex'):
        model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH, num_layers=2),
                             out_indices=(1, ), drop_path_rate=0.,
                             attention_backend=backend)
        torch.manual_seed(0)
        model.init_weights()
        for name in BIAS_NAMES:
            getattr(model.attn_bias, name).data.normal_(0., 2.)
        model.double()
        output = model(images, input_ids, layout['text_bboxes'],
                       layout['key_mask'][:, :4].long(),
                       valid_shapes=valid_shapes)
        loss = (output[0].sum(dim=(2, 3)) * torch.arange(64.)).sum() + (
            output.text_states[0] * torch.arange(64.)).sum()
        loss.backward()
        results.append((output[0], output.text_states[0],
                        dict(model.named_parameters())))
    assert flex_calls == ['cpu', 'cpu']  # the two blocks of 'flex'
    (maps, text, params), (flex_maps, flex_text, flex_params) = results
    torch.testing.assert_close(flex_maps, maps)
    torch.testing.assert_close(flex_text, text)
    for name, param in params.items():
        if param.grad is not None:
            torch.testing.assert_close(flex_params[name].grad, param.grad,
                                       msg=name)
    assert params['attn_bias.rel_x_weight'].grad.abs().max() > 1e-3

    attention = BiasedSelfAttention(8, num_heads=2, attn_drop=0.1).train()
    with pytest.raises(ValueError, match='no attention dropout'):
        attention(torch.randn(1, 3, 8), FlexAttentionBias(None, None))


def test_flex_backend_falls_back_to_sdpa_off_cuda(monkeypatch):
    """On CPU attention_backend='flex' logs once and attends as 'sdpa'."""
    messages = []
    monkeypatch.setattr(layoutlmv3_mm, 'print_log',
                        lambda message, **kwargs: messages.append(message))
    outputs = []
    for backend in ('sdpa', 'flex'):
        model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH, num_layers=1),
                             out_indices=(0, ), attention_backend=backend)
        torch.manual_seed(0)
        model.init_weights()
        images = torch.randn(1, 3, 32, 32, generator=torch.Generator()
                             .manual_seed(0))
        outputs.append([model.eval()(images)[0] for _ in range(2)])
    assert len(messages) == 1 and "attending as 'sdpa'" in messages[0]
    for ours, expected in zip(outputs[1], outputs[0]):
        assert torch.equal(ours, expected)

    with pytest.raises(ValueError, match='attention_backend must be'):
        LayoutLMv3MM(arch_cfg=TINY_ARCH, attention_backend='flash')
    with pytest.raises(ValueError, match='no attention dropout'):
        LayoutLMv3MM(arch_cfg=TINY_ARCH, attention_backend='flex',
                     attn_drop_rate=0.1)


def test_key_padding_block_mask_has_the_tiles_of_create_block_mask():
    """Tiles of 4: full, partial (a masked key, or the last, short block)
    and empty (a block of masked keys) ones."""
    key_mask = torch.ones(2, 13, dtype=torch.bool)
    key_mask[0, 2] = False
    key_mask[1, 4:8] = False
    key_mask[1, 12] = False
    ours = key_padding_block_mask(key_mask, block_size=4)
    expected = create_block_mask(
        lambda batch, head, query, key: key_mask[batch, key], 2, None, 13,
        13, device='cpu', BLOCK_SIZE=4)
    for name in ('kv_num_blocks', 'kv_indices', 'full_kv_num_blocks',
                 'full_kv_indices', 'q_num_blocks', 'q_indices',
                 'full_q_num_blocks', 'full_q_indices'):
        assert torch.equal(getattr(ours, name), getattr(expected, name)), \
            name
    assert ours.seq_lengths == (13, 13) and ours.BLOCK_SIZE == (4, 4)
    assert torch.equal(ours.to_dense(), expected.to_dense())


@requires_cuda
@pytest.mark.parametrize('with_cp', [False, True])
def test_compiled_flex_backend_matches_sdpa_on_cuda(monkeypatch, with_cp):
    """Page-size-ish (800 x 608 image, 1 + 50 x 38 patches, 256 text
    tokens), float32, both biases on, padded text and images: compiled
    FlexAttention against the bias tensor in SDPA, outputs and gradients."""
    flex_calls = count_flex_attention_calls(monkeypatch)
    device = torch.device('cuda')
    generator = torch.Generator().manual_seed(0)
    num_text = 256
    input_ids = torch.randint(3, 100, (2, num_text), generator=generator)
    corner = torch.randint(0, 900, (2, num_text, 2), generator=generator)
    bboxes = torch.cat([corner, corner + 60], dim=-1)
    mask = torch.ones(2, num_text, dtype=torch.long)
    mask[1, 200:] = 0
    input_ids[mask == 0] = 1
    bboxes[mask == 0] = 0
    images = torch.randn(2, 3, 800, 608, generator=generator)
    valid_shapes = torch.tensor([[800, 608], [640, 480]])
    inputs = [t.to(device) for t in (images, input_ids, bboxes, mask)]
    results = []
    for backend in ('sdpa', 'flex'):
        model = LayoutLMv3MM(arch_cfg=dict(TINY_ARCH, num_layers=2),
                             out_indices=(1, ), drop_path_rate=0.,
                             with_cp=with_cp, attention_backend=backend)
        torch.manual_seed(0)
        model.init_weights()
        for name in BIAS_NAMES:
            getattr(model.attn_bias, name).data.normal_(0., 2.)
        model.to(device).train()
        output = model(*inputs, valid_shapes=valid_shapes.to(device))
        weights = torch.randn(64, generator=generator).to(device)
        loss = (output[0].sum(dim=(2, 3)) * weights).sum() + (
            output.text_states[0] * weights).sum()
        loss.backward()
        results.append((output[0], output.text_states[0],
                        dict(model.named_parameters())))
    # the two blocks of 'flex', each run again in the backward with_cp
    assert flex_calls == ['cuda'] * (4 if with_cp else 2)
    (maps, text, params), (flex_maps, flex_text, flex_params) = results
    torch.testing.assert_close(flex_maps, maps, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(flex_text, text, rtol=1e-4, atol=1e-4)
    for name, param in params.items():
        if param.grad is not None:
            scale = param.grad.abs().max().item()
            torch.testing.assert_close(flex_params[name].grad, param.grad,
                                       rtol=1e-3, atol=1e-3 * scale,
                                       msg=name)
    for name in BIAS_NAMES:
        assert params[f'attn_bias.{name}'].grad.abs().max() > 0, name
