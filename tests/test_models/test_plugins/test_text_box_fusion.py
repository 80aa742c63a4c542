"""Tests of TextBoxFusion.

The peer is a plain loop over images, tokens and levels that adds each
projected state to the cells its box covers; TextBoxFusion must give the
same maps and gradients.
"""
import math
from fractions import Fraction

import pytest
import torch
from mmdet.registry import MODELS

from mmlayout.models.plugins import TextBoxFusion
from mmlayout.structures import word_token_mask

TEXT_CHANNELS = 16
STRIDE = 16
# A padded batch: a small page, a page filling the 224x192 canvas and a
# page without words (only <s> and </s>). Maps are 14x12.
CANVAS = (224, 192)
VALID_SHAPES = ((160, 96), (224, 192), (128, 160))


def covered_cells(start: int, end: int, size: int, num_cells: int,
                  stride: int):
    """Cells ``[first, end)`` along one axis of a box on the 0-1000 grid
    of an image whose valid size is ``size`` pixels, exactly."""
    first = math.floor(Fraction(start * size, 1000) / stride)
    first = min(max(first, 0), num_cells - 1)
    last = math.ceil(Fraction(end * size, 1000) / stride)
    return first, min(max(last, first + 1), num_cells)


def reference_fusion(fusion, visual_maps, text_states, bboxes, token_mask,
                     valid_shapes):
    """TextBoxFusion written as a loop over images, tokens and levels."""
    gates = fusion.gate.split(fusion.map_channels)
    outputs = []
    for level, visual_map in enumerate(visual_maps):
        batch_size, _, height, width = visual_map.shape
        values = fusion.text_projs[level](text_states[level])
        total = torch.zeros_like(visual_map)
        count = torch.zeros(batch_size, 1, height, width)
        for b in range(batch_size):
            h, w = valid_shapes[b].tolist()
            for t in range(bboxes.shape[1]):
                if not token_mask[b, t]:
                    continue
                x0, y0, x1, y1 = bboxes[b, t].tolist()
                stride = fusion.strides[level]
                cx0, cx1 = covered_cells(x0, x1, w, width, stride)
                cy0, cy1 = covered_cells(y0, y1, h, height, stride)
                total[b, :, cy0:cy1, cx0:cx1] += values[b, t, :, None, None]
                count[b, :, cy0:cy1, cx0:cx1] += 1
        mean = torch.where(count > 0, total / count.clamp(min=1), 0.)
        outputs.append(visual_map + gates[level][:, None, None] * mean)
    return outputs


def make_text(num_words, seed=0, tokens_per_line=1):
    """Token boxes, attention mask and valid shapes of the padded batch.

    Sample 0 has ``num_words // 2`` words then padding, sample 1
    ``num_words`` words, sample 2 none. Besides random boxes there are
    zero-size boxes (one at 1000, 1000), boxes touching 1000, the whole
    page and repeated boxes. Padding tokens get random boxes too, to show
    that they are ignored. With ``tokens_per_line`` > 1 the words come in
    lines of that many tokens sharing one box, as OCRTokenLoad gives them.
    """
    generator = torch.Generator().manual_seed(seed)
    num_text = num_words + 2
    corner = torch.randint(0, 1001, (3, num_text, 2), generator=generator)
    size = torch.randint(0, 400, (3, num_text, 2), generator=generator)
    bboxes = torch.cat([corner, (corner + size).clamp(max=1000)], dim=-1)
    special = torch.tensor([
        [500, 500, 500, 500],  # zero size
        [1000, 1000, 1000, 1000],  # zero size on the far corner
        [0, 0, 1000, 1000],  # whole page
        [700, 800, 1000, 1000],  # touching 1000
        [100, 950, 300, 1000],  # touching the bottom
        [990, 10, 1000, 20],  # thin, on the right edge
        [250, 250, 750, 600],
        [250, 250, 750, 600],  # repeated
    ])
    count = min(len(special), num_text - 1)
    bboxes[:, 1:1 + count] = special[:count]
    line_start = 1 + (torch.arange(num_words) // tokens_per_line *
                      tokens_per_line)
    bboxes[:, 1:num_words + 1] = bboxes[:, line_start]
    bboxes[:, 0] = 0  # <s>
    lengths = (num_words // 2 + 2, num_text, 2)
    attention_mask = torch.arange(num_text) < torch.tensor(lengths)[:, None]
    for b, length in enumerate(lengths):
        bboxes[b, length - 1] = 0  # </s>
    valid_shapes = torch.tensor(VALID_SHAPES)
    return bboxes, attention_mask, valid_shapes


def make_inputs(map_channels, num_words, seed=0, tokens_per_line=1,
                strides=None):
    generator = torch.Generator().manual_seed(seed)
    bboxes, attention_mask, valid_shapes = make_text(num_words, seed,
                                                     tokens_per_line)
    strides = strides or [STRIDE] * len(map_channels)
    visual_maps = [
        torch.randn(3, channels, CANVAS[0] // stride, CANVAS[1] // stride,
                    generator=generator)
        for channels, stride in zip(map_channels, strides)
    ]
    text_states = [
        torch.randn(3, bboxes.shape[1], TEXT_CHANNELS, generator=generator)
        for _ in map_channels
    ]
    return dict(
        visual_maps=visual_maps,
        text_states=text_states,
        bboxes=bboxes,
        token_mask=word_token_mask(attention_mask),
        valid_shapes=valid_shapes)


def make_fusion(map_channels, gate=True, seed=0, strides=STRIDE):
    torch.manual_seed(seed)
    fusion = TextBoxFusion(
        TEXT_CHANNELS, map_channels, num_levels=len(map_channels),
        stride=strides)
    if gate:
        with torch.no_grad():
            fusion.gate.normal_()
    return fusion


# 1000 words of up to 40% of the page: a float32 2D summed-area table
# would be 1e-5 off here (its prefix sums carry whole pages). 300 tokens in
# lines of 12 sharing a box: summed per box before the projection.
@pytest.mark.parametrize('map_channels,num_words,tokens_per_line',
                         [((8, 8, 8, 8), 20, 1), ((8, 4, 6), 20, 1),
                          ((8, 8, 8, 8), 1000, 1), ((8, 8, 8, 8), 300, 12),
                          ((8, 4, 6), 300, 12)])
def test_equals_per_box_loop(map_channels, num_words, tokens_per_line):
    fusion = make_fusion(map_channels)
    inputs = make_inputs(map_channels, num_words,
                         tokens_per_line=tokens_per_line)
    assert inputs['token_mask'][2].sum() == 0
    assert inputs['token_mask'][0].sum() == num_words // 2
    with torch.no_grad():
        outputs = fusion(**inputs)
        expected = reference_fusion(fusion, **inputs)
    assert len(outputs) == len(map_channels)
    for output, target, visual_map in zip(outputs, expected,
                                          inputs['visual_maps']):
        assert output.shape == visual_map.shape
        assert output.dtype == visual_map.dtype
        assert output.is_contiguous()
        assert (output - target).abs().max() <= 1e-5
        # The page without words is untouched, bit for bit.
        assert torch.equal(output[2], visual_map[2])
        # The text changed something on the other pages.
        assert not torch.equal(output[:2], visual_map[:2])


# A CNN's pyramid: every level its own stride (the stride-32 map of the
# 224x192 canvas is 7x6 cells), two levels sharing one.
@pytest.mark.parametrize('map_channels,strides',
                         [((4, 8, 6, 5), (4, 8, 16, 32)),
                          ((4, 8, 8), (8, 16, 8))])
def test_levels_of_different_strides(map_channels, strides):
    fusion = make_fusion(map_channels, strides=strides)
    assert fusion.strides == strides
    inputs = make_inputs(map_channels, 300, tokens_per_line=3,
                         strides=strides)
    for tensor in inputs['visual_maps'] + inputs['text_states']:
        tensor.requires_grad_(True)
    outputs = fusion(**inputs)
    expected = reference_fusion(fusion, **inputs)
    for output, target, visual_map in zip(outputs, expected,
                                          inputs['visual_maps']):
        assert output.shape == visual_map.shape
        assert (output - target).abs().max() <= 1e-5
        assert torch.equal(output[2], visual_map[2])
    weights = [torch.randn_like(m) for m in inputs['visual_maps']]
    tensors = inputs['text_states'] + [fusion.gate]
    grads = torch.autograd.grad(
        sum((o * w).sum() for o, w in zip(outputs, weights)), tensors)
    targets = torch.autograd.grad(
        sum((o * w).sum() for o, w in zip(expected, weights)), tensors)
    for grad, target in zip(grads, targets):
        assert grad.abs().max() > 0
        assert (grad - target).abs().max() <= 1e-4 * target.abs().max()

    # Levels of one stride must share their grid.
    for levels in fusion.grids.values():
        maps = list(inputs['visual_maps'])
        maps[levels[-1]] = maps[levels[-1]][..., :-1]
        if len(levels) == 1:  # a level of its own: any size
            fusion(**{**inputs, 'visual_maps': maps})
            continue
        with pytest.raises(ValueError,
                           match=rf'visual_maps\[{levels[-1]}\]'):
            fusion(**{**inputs, 'visual_maps': maps})
    with pytest.raises(ValueError, match='stride must be an int or hold'):
        TextBoxFusion(TEXT_CHANNELS, 8, num_levels=4, stride=(4, 8))


def test_zero_gate_at_init_is_identity():
    map_channels = (8, 8, 8, 8)
    fusion = make_fusion(map_channels, gate=False)
    fusion.init_weights()
    assert torch.equal(fusion.gate, torch.zeros(32))
    inputs = make_inputs(map_channels, 20)
    outputs = fusion(**inputs)
    for output, visual_map in zip(outputs, inputs['visual_maps']):
        assert torch.equal(output, visual_map)


def test_gate_init():
    # From scratch the gate can start open; the projections still learn.
    map_channels = (8, 4, 6)
    torch.manual_seed(0)
    fusion = TextBoxFusion(
        TEXT_CHANNELS, map_channels, num_levels=3,
        gate_init=1.0)
    fusion.init_weights()
    assert torch.equal(fusion.gate, torch.ones(18))
    inputs = make_inputs(map_channels, 20)
    outputs = fusion(**inputs)
    targets = reference_fusion(fusion, **inputs)
    for output, target in zip(outputs, targets):
        assert (output - target).abs().max() <= 1e-5
    sum(output.sum() for output in outputs).backward()
    assert all(proj.weight.grad.abs().max() > 0
               for proj in fusion.text_projs)


@pytest.mark.parametrize('map_channels,tokens_per_line',
                         [((8, 8, 8, 8), 1), ((8, 4, 6), 1),
                          ((8, 8, 8, 8), 5)])
def test_gradients(map_channels, tokens_per_line):
    fusion = make_fusion(map_channels)
    inputs = make_inputs(map_channels, 20, tokens_per_line=tokens_per_line)
    for tensor in inputs['visual_maps'] + inputs['text_states']:
        tensor.requires_grad_(True)
    weights = [torch.randn_like(m) for m in inputs['visual_maps']]

    def gradients(function):
        outputs = function(**inputs)
        loss = sum((o * w).sum() for o, w in zip(outputs, weights))
        tensors = (
            inputs['visual_maps'] + inputs['text_states'] + [fusion.gate] +
            list(fusion.text_projs.parameters()))
        return torch.autograd.grad(loss, tensors)

    grads = gradients(fusion)
    expected = gradients(lambda **kw: reference_fusion(fusion, **kw))
    for grad, target in zip(grads, expected):
        assert grad.abs().max() > 0
        assert (grad - target).abs().max() <= 1e-4 * target.abs().max()

    # With the zero gate of a fresh model the gate still learns.
    with torch.no_grad():
        fusion.gate.zero_()
    outputs = fusion(**inputs)
    sum((o * w).sum() for o, w in zip(outputs, weights)).backward()
    assert fusion.gate.grad.abs().min() > 0
    assert fusion.text_projs[0].weight.grad.abs().max() == 0


def test_box_lands_on_its_cells():
    """The bottom-right quarter of a 64x96 page on a 128x128 canvas is
    pixels y 32-64, x 48-96: cells rows 2-3, columns 3-5 of the 8x8 map."""
    fusion = make_fusion((4, 4), seed=1)
    bboxes = torch.tensor(
        [[[0, 0, 0, 0], [500, 500, 1000, 1000], [0, 0, 0, 0]]] * 2)
    token_mask = word_token_mask(torch.ones(2, 3, dtype=torch.bool))
    valid_shapes = torch.tensor([[64, 96], [128, 128]])
    visual_maps = [torch.randn(2, 4, 8, 8) for _ in range(2)]
    text_states = [torch.randn(2, 3, TEXT_CHANNELS) for _ in range(2)]
    with torch.no_grad():
        outputs = fusion(visual_maps, text_states, bboxes, token_mask,
                         valid_shapes)
    expected = torch.zeros(2, 8, 8, dtype=torch.bool)
    expected[0, 2:4, 3:6] = True
    expected[1, 4:8, 4:8] = True  # 64-128 pixels on the full page
    gates = fusion.gate.split(4)
    for level, (output, visual_map) in enumerate(zip(outputs, visual_maps)):
        changed = (output != visual_map).all(dim=1)
        assert torch.equal(changed, expected)
        assert torch.equal(
            output[~expected.unsqueeze(1).expand_as(output)],
            visual_map[~expected.unsqueeze(1).expand_as(output)])
        with torch.no_grad():
            value = gates[level] * fusion.text_projs[level](
                text_states[level][:, 1])
        torch.testing.assert_close(output[0, :, 2, 3],
                                   visual_map[0, :, 2, 3] + value[0])
        torch.testing.assert_close(output[1, :, 7, 7],
                                   visual_map[1, :, 7, 7] + value[1])


def test_build_and_input_errors():
    fusion = MODELS.build(
        dict(
            type='TextBoxFusion', text_channels=TEXT_CHANNELS, map_channels=8))
    assert isinstance(fusion, TextBoxFusion)
    assert fusion.map_channels == (8, 8, 8, 8)
    assert fusion.gate.shape == (32, )
    with pytest.raises(ValueError, match='map_channels'):
        TextBoxFusion(TEXT_CHANNELS, (8, 8), num_levels=4)

    inputs = make_inputs((8, 8, 8, 8), 6)
    maps, states = inputs['visual_maps'], inputs['text_states']
    num_text = inputs['bboxes'].shape[1]
    cases = [
        (dict(visual_maps=maps[:3]), r'visual_maps must hold 4'),
        (dict(visual_maps=maps[:3] + [maps[3][..., :-1]]),
         r'visual_maps\[3\] must have shape \(3, 8, 14, 12\)'),
        (dict(visual_maps=maps[:3] + [maps[3][:, :4]]),
         r'visual_maps\[3\] must have shape'),
        (dict(visual_maps=[m[0] for m in maps]),
         r'visual_maps\[0\] must have shape \(B, C, H, W\)'),
        (dict(text_states=states[:2]), 'text_states must hold 4'),
        (dict(text_states=states[:1] + [states[1][:, 1:]] + states[2:]),
         rf'text_states\[1\] must have shape \(3, {num_text}, 16\)'),
        (dict(bboxes=inputs['bboxes'][..., :3]),
         r'bboxes must have shape \(3, L, 4\)'),
        (dict(bboxes=inputs['bboxes'].float()), 'bboxes must be an integer'),
        (dict(token_mask=inputs['token_mask'][:, 1:]),
         rf'token_mask must have shape \(3, {num_text}\)'),
        (dict(valid_shapes=inputs['valid_shapes'][:2]),
         r'valid_shapes must have shape \(3, 2\)'),
        (dict(valid_shapes=inputs['valid_shapes'].float()),
         'valid_shapes must be an integer'),
    ]
    for change, message in cases:
        with pytest.raises(ValueError, match=message):
            fusion(**{**inputs, **change})


def test_without_text_tokens():
    fusion = make_fusion((8, 8, 8, 8))
    inputs = make_inputs((8, 8, 8, 8), 6)
    inputs.update(
        text_states=[s[:, :0] for s in inputs['text_states']],
        bboxes=inputs['bboxes'][:, :0],
        token_mask=inputs['token_mask'][:, :0])
    outputs = fusion(**inputs)
    for output, visual_map in zip(outputs, inputs['visual_maps']):
        assert torch.equal(output, visual_map)


def test_autocast_cpu():
    fusion = make_fusion((8, 8, 8, 8))
    inputs = make_inputs((8, 8, 8, 8), 20)
    with torch.no_grad():
        expected = fusion(**inputs)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            outputs = fusion(**inputs)
            half_maps = [m.bfloat16() for m in inputs['visual_maps']]
            half_outputs = fusion(**{**inputs, 'visual_maps': half_maps})
    for output, half_output, target in zip(outputs, half_outputs, expected):
        assert output.dtype == torch.float32
        assert half_output.dtype == torch.bfloat16
        torch.testing.assert_close(output, target, atol=0.1, rtol=0.02)
        torch.testing.assert_close(
            half_output.float(), target, atol=0.1, rtol=0.02)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_without_syncs():
    fusion = make_fusion((8, 8, 8, 8)).cuda()
    inputs = make_inputs((8, 8, 8, 8), 20)
    with torch.no_grad():
        expected = reference_fusion(fusion.cpu(), **inputs)
    fusion.cuda()
    inputs = {
        key: [t.cuda()
              for t in value] if isinstance(value, list) else value.cuda()
        for key, value in inputs.items()
    }
    fusion(**inputs)  # warm-up (lazy CUDA initialisation may sync)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        outputs = fusion(**inputs)
        with torch.autocast('cuda', dtype=torch.float16):
            half = fusion(**inputs)
        sum(o.float().sum() for o in half).backward()
    finally:
        torch.cuda.set_sync_debug_mode('default')
    for output, target in zip(outputs, expected):
        assert (output.cpu() - target).abs().max() <= 1e-5
    assert fusion.gate.grad is not None
