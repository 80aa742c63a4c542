"""Tests of the RowSpanSum op.

The peer is a plain autograd loop that adds each span's box value to the
cells of its span; the op must give the same sums and the same gradients,
and TextBoxFusion, which runs it, must stay equal to that reference.
"""
import pytest
import torch

from mmlayout.models.ops import RowSpanSum
from mmlayout.models.plugins import TextBoxFusion


def reference_row_span_sum(values, span_box, starts, ends, map_shape,
                           table_dtype, out_dtype):
    """RowSpanSum written as a loop over the spans, plain autograd."""
    batch_size, height, width = map_shape
    num_cells = batch_size * height * width
    sums = values.new_zeros((batch_size, values.shape[1], height, width),
                            dtype=table_dtype)
    for box, start, end in zip(span_box.tolist(), starts.tolist(),
                               ends.tolist()):
        image, cell = start % batch_size, start // batch_size
        y, x0 = divmod(cell, width)
        x1 = width if end == num_cells else end // batch_size % width
        sums[image, :, y, x0:x1] += values[box].to(table_dtype)[:, None]
    return sums.to(out_dtype)


def make_spans(num_boxes: int, num_spans: int, map_shape: tuple,
               seed: int = 0):
    """Random row spans of ``num_boxes`` boxes, indexed as TextBoxFusion
    indexes them: cells in ``(H, W, B)`` order, a span reaching the right
    edge ends at ``H * W * B``."""
    batch_size, height, width = map_shape
    generator = torch.Generator().manual_seed(seed)

    def draw(high):
        return torch.randint(high, (num_spans, ), generator=generator)

    span_box, image, y, x0 = (draw(num_boxes), draw(batch_size), draw(height),
                              draw(width))
    x1 = x0 + 1 + (draw(width) % (width - x0))  # in [x0 + 1, width]
    starts = (y * width + x0) * batch_size + image
    ends = torch.where(x1 < width, (y * width + x1) * batch_size + image,
                       batch_size * height * width)
    return span_box, starts, ends


MAP_SHAPE = (2, 4, 6)  # (B, H, W)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_sums_and_gradients_equal_the_loop(dtype):
    spans = make_spans(5, 30, MAP_SHAPE)
    values = torch.randn(5, 3, dtype=dtype, requires_grad=True)
    upstream = torch.randn(2, 3, 4, 6, dtype=dtype)
    sums = RowSpanSum.apply(values, *spans, MAP_SHAPE, dtype, dtype)
    expected = reference_row_span_sum(values, *spans, MAP_SHAPE, dtype,
                                      dtype)
    assert sums.shape == (2, 3, 4, 6) and sums.dtype == dtype
    torch.testing.assert_close(sums, expected)
    grad, = torch.autograd.grad(sums, values, upstream)
    expected_grad, = torch.autograd.grad(expected, values, upstream)
    assert expected_grad.abs().max() > 0
    torch.testing.assert_close(grad, expected_grad)


def test_gradcheck():
    """Analytic against numerical gradients on small double tensors."""
    spans = make_spans(4, 12, MAP_SHAPE, seed=1)
    values = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda v: RowSpanSum.apply(v, *spans, MAP_SHAPE, torch.float64,
                                   torch.float64), (values, ))


def test_table_and_output_dtypes():
    """Accumulated in the table dtype, returned in the output dtype; the
    gradient has the dtype of the values."""
    spans = make_spans(5, 30, MAP_SHAPE, seed=2)
    values = torch.randn(5, 3, requires_grad=True)
    sums = RowSpanSum.apply(values, *spans, MAP_SHAPE, torch.float64,
                            torch.bfloat16)
    expected = reference_row_span_sum(values, *spans, MAP_SHAPE,
                                      torch.float64, torch.bfloat16)
    assert sums.dtype == torch.bfloat16
    assert torch.equal(sums, expected)
    sums.float().sum().backward()
    assert values.grad.dtype == torch.float32


def test_text_box_fusion_equals_the_loop(monkeypatch):
    """TextBoxFusion's maps and gradients with the op equal those with the
    op replaced by the reference loop."""
    torch.manual_seed(0)
    fusion = TextBoxFusion(8, (6, 4), num_levels=2, stride=(16, 8),
                           gate_init=1.).double()
    generator = torch.Generator().manual_seed(3)
    maps = [torch.randn(2, 6, 4, 5, dtype=torch.float64),
            torch.randn(2, 4, 8, 10, dtype=torch.float64)]
    states = [torch.randn(2, 7, 8, dtype=torch.float64, requires_grad=True)
              for _ in range(2)]
    corners = torch.randint(0, 1001, (2, 7, 2, 2), generator=generator)
    bboxes = torch.cat([corners.amin(2), corners.amax(2)], dim=-1)
    token_mask = torch.rand(2, 7, generator=generator) > 0.2
    valid_shapes = torch.tensor([[64, 80], [50, 70]])
    upstream = [torch.randn_like(m) for m in maps]
    tensors = (*states, *fusion.parameters())

    def run():
        outputs = fusion(maps, states, bboxes, token_mask, valid_shapes)
        loss = sum((o * u).sum() for o, u in zip(outputs, upstream))
        return outputs, torch.autograd.grad(loss, tensors)

    outputs, grads = run()
    monkeypatch.setattr(RowSpanSum, 'apply', reference_row_span_sum)
    expected, expected_grads = run()
    for output, target in zip(outputs, expected):
        torch.testing.assert_close(output, target)
    for grad, expected_grad in zip(grads, expected_grads):
        assert expected_grad.abs().max() > 0
        torch.testing.assert_close(grad, expected_grad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_equals_cpu():
    """The CUDA prefix sums (cumsum) give the CPU's (slab loop) sums and
    gradients."""
    spans = make_spans(5, 30, MAP_SHAPE, seed=4)
    values = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(2, 3, 4, 6, dtype=torch.float64)
    results = []
    for device in ('cpu', 'cuda'):
        leaf = values.detach().to(device).requires_grad_()
        sums = RowSpanSum.apply(leaf, *(s.to(device) for s in spans),
                                MAP_SHAPE, torch.float64, torch.float64)
        sums.backward(upstream.to(device))
        results.append((sums.detach().cpu(), leaf.grad.cpu()))
    for cpu, cuda in zip(*results):
        torch.testing.assert_close(cuda, cpu)
