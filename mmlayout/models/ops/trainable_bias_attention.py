"""TrainableBiasAttention: scaled dot-product attention whose additive bias
receives gradients, with a memory-lean backward.

The autograd op behind :class:`~mmlayout.models.layers.BiasedSelfAttention`
when the attention bias is trained on CPU.
"""
from typing import Tuple

import torch
from torch import Tensor
from torch.utils.flop_counter import (flop_registry, register_flop_formula,
                                      sdpa_flop_count)

_FLASH_FOR_CPU = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
if _FLASH_FOR_CPU not in flop_registry:
    # torch counts the FLOPs of its GPU attention kernels only: without
    # this, FlopCounterMode would see nothing of the forward below.
    @register_flop_formula(_FLASH_FOR_CPU)
    def _flash_for_cpu_flops(query_shape, key_shape, value_shape, *args,
                             out_shape=None, **kwargs) -> int:
        """``4 B heads N_q N_k D``: the two matmuls of attention."""
        return sdpa_flop_count(query_shape, key_shape, value_shape)


#: Elements of the ``(N, N)`` score slices one backward step holds at once
#: (two fp32 buffers of this size: probabilities and score gradients).
CHUNK_ELEMENTS = 2**22


class TrainableBiasAttention(torch.autograd.Function):
    """Attention whose additive bias receives gradients, without keeping
    the ``(B, heads, N, N)`` probabilities of every block.

    On CPU, ``F.scaled_dot_product_attention`` falls back to its unfused
    maths as soon as the bias needs a gradient, and autograd then keeps one
    ``(B, heads, N, N)`` tensor per block until the backward pass. Here the
    forward runs the fused flash kernel (the bias is a constant to it) and
    keeps only its ``(B, heads, N)`` log-sum-exp. The backward recomputes
    the probabilities for a chunk of the ``B * heads`` slices at a time (as
    many as fit in :data:`CHUNK_ELEMENTS`: one at page size, where a slice
    is 23 MB, eight at 224 x 224), so that besides the bias gradient only
    two chunks are alive. Each full ``(N, N)`` pass is costly, so the
    per-query terms ride inside the matmuls as one extra channel: the
    scores come out of ``baddbmm`` already minus the log-sum-exp (the
    probabilities are then one ``exp_``), and the probability gradients
    already minus ``rowsum(grad_out * out)`` (the score gradients are then
    one ``mul_``).
    """

    @staticmethod
    def forward(ctx, query: Tensor, key: Tensor, value: Tensor,
                bias: Tensor) -> Tensor:
        """
        Args:
            query (Tensor): ``(B, heads, N, D)``.
            key (Tensor): ``(B, heads, N, D)``.
            value (Tensor): ``(B, heads, N, D)``.
            bias (Tensor): ``(B, heads, N, N)``, or ``(1, heads, N, N)``
                shared by the batch, added to the scaled scores; ``-inf``
                masks a key.

        Returns:
            Tensor: ``(B, heads, N, D)``, as
            ``F.scaled_dot_product_attention(query, key, value,
            attn_mask=bias)``; the backward gives the gradients of all four
            inputs.
        """
        # Detached, the bias is a constant mask to the fused kernel.
        out, logsumexp = (
            torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
                query, key, value, attn_mask=bias.detach()))
        ctx.save_for_backward(query, key, value, bias, out, logsumexp)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, ...]:
        query, key, value, bias, out, logsumexp = ctx.saved_tensors
        batch_size, num_heads, seq_len, head_dims = query.shape
        scale = head_dims**-0.5
        num_slices = num_heads * batch_size

        def heads_major(tensor: Tensor) -> Tensor:
            """``(b, heads, ...)`` -> ``(heads * b, ...)``, the slice
            order of the bias as LayoutLMv3AttentionBias lays it out (a
            view of it)."""
            return tensor.transpose(0, 1).flatten(0, 1)

        def heads_major_empty(like: Tensor) -> Tuple[Tensor, Tensor]:
            """An uninitialised ``(b, heads, ...)`` gradient stored heads
            first, and its :func:`heads_major` view to write it through.
            The gradient itself is no view: autograd can then sum the
            blocks' bias gradients into it in place, without a third
            ``(B, heads, N, N)`` tensor."""
            rows, cols = like.shape[2:]
            grad = torch.empty_strided(
                like.shape, (rows * cols, len(like) * rows * cols, cols, 1),
                dtype=like.dtype, device=like.device)
            return grad, heads_major(grad)

        # With the extra channel: scale * (q' k'^T) = scale * q k^T - lse
        # and grad_out' v'^T = grad_out v^T - rowsum(grad_out * out).
        ones = query.new_ones(batch_size, num_heads, seq_len, 1)
        lse = logsumexp.to(query.dtype)[..., None]
        query_lse = heads_major(torch.cat([query, -lse / scale], -1))
        key_ones = heads_major(torch.cat([key, ones], -1))
        row_dot = (grad_out * out).sum(-1, keepdim=True)
        grad_out_dot = heads_major(torch.cat([grad_out, row_dot], -1))
        value_ones = heads_major(torch.cat([value, -ones], -1))
        (grad_query, grad_query_slices), (grad_key, grad_key_slices), (
            grad_value, grad_value_slices) = (
                heads_major_empty(t) for t in (query, key, value))
        query, key, grad_out = (heads_major(t) for t in (query, key, grad_out))
        # (heads * (B or 1), N, N); a bias shared by the batch (size 1)
        # sums the samples' gradients over whole heads.
        shared = bias.shape[0] == 1 and batch_size > 1
        grad_bias, grad_bias_slices = heads_major_empty(bias)
        bias = heads_major(bias)

        step = max(1, CHUNK_ELEMENTS // seq_len**2)
        if shared:
            step = max(batch_size, step - step % batch_size)
        probs_buffer = query.new_empty(min(step, num_slices), seq_len,
                                       seq_len)
        grad_buffer = torch.empty_like(probs_buffer) if shared else None
        for first in range(0, num_slices, step):
            chunk = slice(first, min(first + step, num_slices))
            probs = probs_buffer[:chunk.stop - first]
            if shared:
                heads = slice(first // batch_size, chunk.stop // batch_size)
                probs.view(-1, batch_size, seq_len, seq_len).copy_(
                    bias[heads, None])
                grad_scores = grad_buffer[:chunk.stop - first]
            else:
                probs.copy_(bias[chunk])
                grad_scores = grad_bias_slices[chunk]
            probs.baddbmm_(query_lse[chunk],
                           key_ones[chunk].transpose(1, 2),
                           alpha=scale).exp_()
            torch.bmm(probs.transpose(1, 2), grad_out[chunk],
                      out=grad_value_slices[chunk])
            torch.bmm(grad_out_dot[chunk], value_ones[chunk].transpose(1, 2),
                      out=grad_scores)
            grad_scores.mul_(probs)
            torch.bmm(grad_scores, key[chunk], out=grad_query_slices[chunk])
            torch.bmm(grad_scores.transpose(1, 2), query[chunk],
                      out=grad_key_slices[chunk])
            if shared:
                torch.sum(grad_scores.view(-1, batch_size, seq_len, seq_len),
                          1, out=grad_bias_slices[heads])
        grad_query.mul_(scale)
        grad_key.mul_(scale)
        return grad_query, grad_key, grad_value, grad_bias
