"""Tests of the TrainableBiasAttention op.

The peer is attention written out in plain autograd,
``softmax(q k^T / sqrt(D) + bias) v``; the op must give the same output and
the same gradients of all four inputs, and BiasedSelfAttention, which runs
it when the bias is trained on CPU, must stay equal to that reference.
"""
import pytest
import torch

from mmlayout.models.layers import BiasedSelfAttention
from mmlayout.models.ops import TrainableBiasAttention


def reference_attention(query, key, value, bias):
    """Scaled dot-product attention with an additive bias, plain autograd."""
    scores = query @ key.transpose(-1, -2) * query.shape[-1]**-0.5
    return torch.softmax(scores + bias, dim=-1) @ value


def make_inputs(bias_batch: int, batch_size: int = 2, num_heads: int = 3,
                seq_len: int = 17, head_dims: int = 8, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    query, key, value = (torch.randn(
        batch_size, num_heads, seq_len, head_dims, dtype=torch.float64,
        generator=generator, requires_grad=True) for _ in range(3))
    bias = torch.randn(bias_batch, num_heads, seq_len, seq_len,
                       dtype=torch.float64, generator=generator,
                       requires_grad=True)
    return query, key, value, bias


@pytest.mark.parametrize('bias_batch', [2, 1])
def test_matches_sdpa_and_plain_attention(bias_batch):
    query, key, value, bias = make_inputs(bias_batch)
    with torch.no_grad():
        bias[..., 4] = float('-inf')  # a masked key
    inputs = (query, key, value, bias)
    upstream = torch.randn(query.shape, dtype=torch.float64)
    out = TrainableBiasAttention.apply(*inputs)
    grads = torch.autograd.grad(out, inputs, upstream)
    for peer in (torch.nn.functional.scaled_dot_product_attention,
                 reference_attention):
        expected = peer(query, key, value, bias)
        torch.testing.assert_close(out, expected)
        expected_grads = torch.autograd.grad(expected, inputs, upstream)
        for grad, expected_grad in zip(grads, expected_grads):
            torch.testing.assert_close(grad, expected_grad)
    assert grads[3][..., 4].abs().max() == 0  # masked keys get none


@pytest.mark.parametrize('bias_batch', [2, 1])
def test_gradcheck(bias_batch):
    """Analytic against numerical gradients, a bias shared by the batch
    (size 1) included, on small double tensors."""
    inputs = make_inputs(bias_batch, seq_len=5, head_dims=4, num_heads=2)
    assert torch.autograd.gradcheck(TrainableBiasAttention.apply, inputs)


def test_biased_self_attention_runs_the_op(monkeypatch):
    """With a trainable per-head bias on CPU the layer's attention is the
    op, and its output and gradients equal those of plain attention."""
    torch.manual_seed(0)
    layer = BiasedSelfAttention(16, num_heads=4).double()
    tokens = torch.randn(2, 9, 16, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(2, 4, 9, 9, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(2, 9, 16, dtype=torch.float64)
    tensors = (tokens, bias, *layer.parameters())

    def run():
        out = layer(tokens, bias)
        return out, torch.autograd.grad(out, tensors, upstream)

    calls = []
    op = TrainableBiasAttention.apply
    monkeypatch.setattr(TrainableBiasAttention, 'apply',
                        lambda *args: calls.append(1) or op(*args))
    out, grads = run()
    assert len(calls) == 1
    monkeypatch.setattr(TrainableBiasAttention, 'apply', reference_attention)
    expected, expected_grads = run()
    torch.testing.assert_close(out, expected)
    for grad, expected_grad in zip(grads, expected_grads):
        assert expected_grad.abs().max() > 0
        torch.testing.assert_close(grad, expected_grad)

    # a constant bias, or one shared by the heads, stays with SDPA
    monkeypatch.setattr(TrainableBiasAttention, 'apply',
                        lambda *args: calls.append(1) or op(*args))
    layer(tokens, bias.detach())
    layer(tokens, bias[:, :1])
    assert len(calls) == 1


@pytest.mark.parametrize('bias_batch', [2, 1])
@pytest.mark.parametrize('chunk_elements', [1, 2 * 17**2, 5 * 17**2])
def test_chunked_backward(monkeypatch, bias_batch, chunk_elements):
    """The backward walks the batch x heads slices in chunks that fit
    ``CHUNK_ELEMENTS``: one slice, whole heads (a shared bias) or a chunk
    that ends inside a head; the gradients stay those of plain attention."""
    from mmlayout.models.ops import trainable_bias_attention
    monkeypatch.setattr(trainable_bias_attention, 'CHUNK_ELEMENTS',
                        chunk_elements)
    inputs = make_inputs(bias_batch, batch_size=2, num_heads=3)
    upstream = torch.randn(inputs[0].shape, dtype=torch.float64)
    grads = torch.autograd.grad(
        TrainableBiasAttention.apply(*inputs), inputs, upstream)
    expected = torch.autograd.grad(
        reference_attention(*inputs), inputs, upstream)
    for grad, expected_grad in zip(grads, expected):
        assert grad.shape == expected_grad.shape
        torch.testing.assert_close(grad, expected_grad)


def test_flop_counter_sees_the_fused_forward():
    """FlopCounterMode counts the op's forward as attention's two matmuls,
    as it counts SDPA's unfused maths."""
    from torch.utils.flop_counter import FlopCounterMode
    query, key, value, bias = make_inputs(2, seq_len=16, head_dims=8)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        TrainableBiasAttention.apply(query, key, value, bias)
    assert counter.get_total_flops() == 4 * 2 * 3 * 16 * 16 * 8
