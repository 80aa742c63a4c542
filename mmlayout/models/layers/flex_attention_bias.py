"""Bucketed relative attention biases through FlexAttention, without a
``(B, heads, N, N)`` bias tensor.

A bias whose value for a (query, key) pair is a table entry picked by the
buckets of coordinate offsets ``coord[key] - coord[query]`` (LayoutLMv3's
1D and 2D biases) is handed to ``flex_attention`` as a ``score_mod`` that
looks the entry up per score from O(N) per-token coordinates, small bucket
tables and the ``(heads, R)`` table; padded keys become a block mask built
from the ``(B, N)`` key mask alone. The bias table receives gradients
(FlexAttention differentiates tensors that a ``score_mod`` captures).

Made for CUDA, where ``flex_attention`` is compiled into a fused kernel.
Elsewhere :func:`flex_biased_attention` runs the eager reference of
``flex_attention``, which materializes the scores: for tests only (torch
2.13 refuses gradients of q, k and v on CPU).
"""
import functools
from typing import Callable, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn.attention.flex_attention import BlockMask, flex_attention

#: Side of the block mask's tiles (FlexAttention's default).
BLOCK_SIZE = 128


class RelativeBucketTerm(NamedTuple):
    """One term of a bucketed relative bias: the bucket of the offset
    ``coords[key] - coords[query]``, times a stride into the bias table.

    Attributes:
        coords (Tensor): Integer coordinate of every token, ``(S, N)``; S is
            1 (shared by the batch) or B, the same for all terms of a bias.
        buckets (Tensor): Integer bucket of every offset in ``[-M, M]``, at
            index ``offset + M``, shape ``(2 * M + 1,)``.
        stride (int): Table columns between consecutive buckets of the term.
    """
    coords: Tensor
    buckets: Tensor
    stride: int


class FlexAttentionBias(NamedTuple):
    """An attention bias and key mask in FlexAttention's form, taken by
    :func:`flex_biased_attention` in place of a bias tensor.

    Attributes:
        score_mod (callable, optional): ``score_mod(score, b, h, q, kv)``,
            the score plus the bias; None adds nothing.
        block_mask (BlockMask, optional): Keys that may be attended; None
            attends every key.
    """
    score_mod: Optional[Callable[..., Tensor]]
    block_mask: Optional[BlockMask]


def bucketed_bias_score_mod(table: Tensor,
                            terms: Sequence[RelativeBucketTerm]
                            ) -> Callable[..., Tensor]:
    """A ``score_mod`` adding ``table[h, sum of bucket * stride]`` over the
    terms.

    Per score it reads two coordinates and one bucket per term and one
    table entry; every tensor it reads is O(N) or the table. The keys'
    coordinates are shifted by M beforehand, so the function closes over
    no size that changes with the sequence (each would be a value for
    ``torch.compile`` to guard on).

    Args:
        table (Tensor): Bias of every combination of buckets for every
            head, ``(heads, R)``, already scaled and in the dtype to add.
        terms (Sequence[RelativeBucketTerm]): The terms whose buckets,
            times their strides, sum to the table column.

    Returns:
        callable: ``score_mod(score, b, h, q, kv) -> score + bias``.
    """
    per_sample = terms[0].coords.shape[0] > 1
    # coords[key] + M: the bucket index of the offset minus coords[query]
    key_coords = [
        term.coords + (term.buckets.shape[0] - 1) // 2 for term in terms
    ]

    def score_mod(score: Tensor, batch: Tensor, head: Tensor, query: Tensor,
                  key: Tensor) -> Tensor:
        sample = batch if per_sample else 0
        column = 0
        for term, shifted in zip(terms, key_coords):
            bucket = term.buckets[shifted[sample, key] -
                                  term.coords[sample, query]]
            column = column + bucket * term.stride
        return score + table[head, column]

    return score_mod


def _ordered_blocks(blocks: Tensor) -> Tuple[Tensor, Tensor]:
    """Per query block, the number of key blocks set in ``blocks``
    ``(B, 1, Qb)`` and the key block indices, set ones first in ascending
    order ``(B, 1, Qb, Kb)``, both int32 as ``BlockMask`` holds them."""
    blocks = blocks.to(torch.int32)
    num_blocks = blocks.sum(dim=-1, dtype=torch.int32)
    indices = torch.argsort(blocks, dim=-1, descending=True, stable=True)
    return num_blocks, indices.to(torch.int32)


def key_padding_block_mask(
        key_mask: Tensor,
        block_size: int = BLOCK_SIZE) -> BlockMask:
    """Block mask of a self-attention whose padded keys are masked, built
    from the ``(B, N)`` key mask alone.

    ``create_block_mask`` would evaluate the mask on all ``B * N * N``
    pairs; here a tile of ``block_size`` queries by ``block_size`` keys is
    full when all its queries exist and all its keys may be attended, empty
    when none of its keys may, and partial (the mask is applied) otherwise:
    the tiles ``create_block_mask`` finds for this mask.

    Args:
        key_mask (Tensor): ``True`` for keys that may be attended, ``(B, N)``
            bool.
        block_size (int): Side of the tiles.

    Returns:
        BlockMask: For ``(B, heads, N, N)`` scores, shared by the heads.
    """
    # dense: inductor's CPU kernel failed to compile, on a recompile for a
    # new length, a mask_mod reading a strided slice
    key_mask = key_mask.contiguous()
    batch_size, seq_len = key_mask.shape
    num_blocks = -(-seq_len // block_size)
    padded = F.pad(key_mask, (0, num_blocks * block_size - seq_len))
    keys_per_block = padded.view(batch_size, num_blocks, block_size).sum(-1)
    block_starts = torch.arange(num_blocks, device=key_mask.device)
    queries_per_block = (seq_len - block_starts * block_size).clamp(
        max=block_size)
    pairs_per_tile = (queries_per_block[:, None] *
                      keys_per_block[:, None, None, :])
    full = pairs_per_tile == block_size**2
    partial = (pairs_per_tile > 0) & ~full

    def mask_mod(batch: Tensor, head: Tensor, query: Tensor,
                 key: Tensor) -> Tensor:
        return key_mask[batch, key]

    return BlockMask.from_kv_blocks(
        *_ordered_blocks(partial),
        *_ordered_blocks(full),
        BLOCK_SIZE=block_size,
        mask_mod=mask_mod,
        seq_lengths=(seq_len, seq_len))


@functools.lru_cache(maxsize=None)
def _compiled_flex_attention() -> Callable[..., Tensor]:
    """``flex_attention`` compiled into fused kernels (once per process)."""
    return torch.compile(flex_attention)


def flex_biased_attention(query: Tensor, key: Tensor, value: Tensor,
                          bias: FlexAttentionBias) -> Tensor:
    """``F.scaled_dot_product_attention`` with the bias and key mask of
    ``bias``, through FlexAttention.

    Compiled on CUDA; on other devices the eager reference runs (it
    materializes the scores, and torch 2.13 refuses gradients of q, k and
    v on CPU).

    Args:
        query (Tensor): ``(B, heads, N, D)``.
        key (Tensor): ``(B, heads, N, D)``.
        value (Tensor): ``(B, heads, N, D)``.
        bias (FlexAttentionBias): Bias and key mask.

    Returns:
        Tensor: ``(B, heads, N, D)``.
    """
    attend = (_compiled_flex_attention()
              if query.device.type == 'cuda' else flex_attention)
    return attend(query, key, value, score_mod=bias.score_mod,
                  block_mask=bias.block_mask)
