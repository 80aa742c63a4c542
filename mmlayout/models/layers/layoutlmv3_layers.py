"""Building blocks of the LayoutLMv3MM backbone.

The maths follows LayoutLMv3 (Huang et al., 2022) so that Hugging Face
checkpoints load and give the same hidden states; the implementation is
written for arbitrary image sizes and for speed:

* attention runs through ``F.scaled_dot_product_attention``;
* the relative 1D and spatial 2D biases are summed into one small table and
  gathered once per forward into a single ``(B, heads, N, N)`` tensor that
  every block reuses; padded text keys are masked by the same gather;
* on CUDA the same table can instead be looked up inside FlexAttention
  (:meth:`LayoutLMv3AttentionBias.flex_bias`), with no ``(N, N)`` tensor.
"""
import math
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from torch import Tensor

from ..ops import TrainableBiasAttention
from .flex_attention_bias import (FlexAttentionBias, RelativeBucketTerm,
                                  bucketed_bias_score_mod,
                                  flex_biased_attention,
                                  key_padding_block_mask)

#: Box of the visual CLS token on the 0-1000 grid.
VISUAL_CLS_BOX = (1, 1, 999, 999)


def relative_position_buckets(relative_positions: Tensor, num_buckets: int,
                              max_distance: int) -> Tensor:
    """Map signed relative positions to LayoutLMv3's (T5-style) buckets.

    Half of the buckets hold negative offsets, half positive ones. Within a
    half, distances below a quarter of ``num_buckets`` get a bucket each and
    longer distances share logarithmically wider buckets up to
    ``max_distance``; everything further falls into the last bucket.

    Args:
        relative_positions (Tensor): Integer offsets ``key - query``, any
            shape.
        num_buckets (int): Number of buckets on both sides together.
        max_distance (int): Distance at which the last bucket starts.

    Returns:
        Tensor: Bucket indices in ``[0, num_buckets)``, same shape, int64.
    """
    half = num_buckets // 2
    side_offset = (relative_positions > 0).long() * half
    distance = relative_positions.abs().long()
    num_exact = half // 2
    # clamp(min=1) only keeps log() finite where the exact branch is taken.
    log_ratio = torch.log(distance.clamp(min=1).float() / num_exact)
    log_bucket = num_exact + (
        log_ratio / math.log(max_distance / num_exact) *
        (half - num_exact)).long()
    log_bucket = log_bucket.clamp(max=half - 1)
    return side_offset + torch.where(distance < num_exact, distance,
                                     log_bucket)


def bucket_lookup_table(max_offset: int, num_buckets: int,
                        max_distance: int) -> Tensor:
    """Buckets of every offset in ``[-max_offset, max_offset]``.

    Indexing the table with ``offset + max_offset`` replaces evaluating
    :func:`relative_position_buckets` on an ``(N, N)`` offset matrix.

    Returns:
        Tensor: Shape ``(2 * max_offset + 1,)``, int64.
    """
    offsets = torch.arange(-max_offset, max_offset + 1)
    return relative_position_buckets(offsets, num_buckets, max_distance)


def patch_grid_boxes(grid_h: int,
                     grid_w: int,
                     device: Optional[torch.device] = None,
                     scale: int = 1000) -> Tensor:
    """Boxes of the visual tokens of an unpadded image on the ``0..scale``
    grid.

    Row-major patch cells of a ``(grid_h, grid_w)`` grid, preceded by the
    visual CLS box :data:`VISUAL_CLS_BOX`. Cell edges are
    ``floor(i * scale / grid)`` as in LayoutLMv3, for any grid size.

    Returns:
        Tensor: Shape ``(1 + grid_h * grid_w, 4)``, int64, ``x0, y0, x1, y1``.
    """
    full_shape = torch.tensor([[grid_h, grid_w]], device=device)
    return valid_area_patch_boxes(full_shape, grid_h, grid_w, 1, scale)[0]


def valid_area_patch_boxes(valid_shapes: Tensor,
                           grid_h: int,
                           grid_w: int,
                           patch_size: int,
                           scale: int = 1000) -> Tensor:
    """Boxes of the visual tokens of padded images, each on the
    ``0..scale`` grid of its own valid area.

    Patch ``(r, c)`` covers input pixels ``[c * p, (c + 1) * p)`` by
    ``[r * p, (r + 1) * p)``; on the grid of an image whose content is
    ``(h, w)`` pixels its edges are ``floor(c * p * scale / w)`` (and the
    same in y), clipped at ``scale``: the frame in which the image's text
    boxes are given. An image that fills its ``grid * p`` canvas gets the
    boxes of :func:`patch_grid_boxes`.

    Args:
        valid_shapes (Tensor): ``(B, 2)`` integer ``(h, w)`` of each
            image's content in pixels.
        grid_h (int): Patch rows of the padded canvas.
        grid_w (int): Patch columns of the padded canvas.
        patch_size (int): Patch side p in pixels.
        scale (int): Side of the box grid.

    Returns:
        Tensor: Shape ``(B, 1 + grid_h * grid_w, 4)``, int64; the first
        token of each image is the visual CLS with :data:`VISUAL_CLS_BOX`.
    """
    device = valid_shapes.device
    valid_h, valid_w = valid_shapes.long().unbind(-1)
    batch_size = valid_shapes.shape[0]
    x_edges = (torch.arange(grid_w + 1, device=device) * patch_size *
               scale).div(valid_w[:, None], rounding_mode='floor')
    y_edges = (torch.arange(grid_h + 1, device=device) * patch_size *
               scale).div(valid_h[:, None], rounding_mode='floor')
    x_edges, y_edges = x_edges.clamp(max=scale), y_edges.clamp(max=scale)
    shape = (batch_size, grid_h, grid_w)
    cells = torch.stack([
        x_edges[:, None, :-1].expand(shape),
        y_edges[:, :-1, None].expand(shape),
        x_edges[:, None, 1:].expand(shape),
        y_edges[:, 1:, None].expand(shape),
    ], dim=-1).reshape(batch_size, -1, 4)
    cls_box = torch.tensor(VISUAL_CLS_BOX, device=device)
    return torch.cat([cls_box.expand(batch_size, 1, 4), cells], dim=1)


class LayoutLMv3TextEmbedding(nn.Module):
    """Text token embedding of LayoutLMv3.

    word + 1D position + token type (always type 0) + 2D layout, then
    LayerNorm. The layout part concatenates embeddings of ``x0, y0, x1, y1``
    (``coord_dims`` each) and of the box height and width (``shape_dims``
    each). 1D positions count non-padding tokens from ``pad_token_id + 1``;
    padding tokens get position ``pad_token_id``.

    Args:
        embed_dims (int): Output channels C.
        vocab_size (int): Rows of the word table.
        max_positions (int): Rows of the 1D position table.
        type_vocab_size (int): Rows of the token type table.
        pad_token_id (int): Id of the padding token.
        max_2d_coord (int): Rows of each box table (boxes must lie in
            ``0..max_2d_coord - 1``).
        coord_dims (int): Channels of each coordinate embedding.
        shape_dims (int): Channels of the height and width embeddings.
        layer_norm_eps (float): LayerNorm epsilon.
    """

    def __init__(self, embed_dims: int, vocab_size: int, max_positions: int,
                 type_vocab_size: int, pad_token_id: int, max_2d_coord: int,
                 coord_dims: int, shape_dims: int,
                 layer_norm_eps: float) -> None:
        super().__init__()
        if 4 * coord_dims + 2 * shape_dims != embed_dims:
            raise ValueError(
                f'4 * coord_dims + 2 * shape_dims must equal embed_dims, got '
                f'4 * {coord_dims} + 2 * {shape_dims} != {embed_dims}')
        self.pad_token_id = pad_token_id
        self.max_2d_coord = max_2d_coord
        self.word_embed = nn.Embedding(
            vocab_size, embed_dims, padding_idx=pad_token_id)
        self.position_embed = nn.Embedding(
            max_positions, embed_dims, padding_idx=pad_token_id)
        self.token_type_embed = nn.Embedding(type_vocab_size, embed_dims)
        self.x_embed = nn.Embedding(max_2d_coord, coord_dims)
        self.y_embed = nn.Embedding(max_2d_coord, coord_dims)
        self.h_embed = nn.Embedding(max_2d_coord, shape_dims)
        self.w_embed = nn.Embedding(max_2d_coord, shape_dims)
        self.norm = nn.LayerNorm(embed_dims, eps=layer_norm_eps)

    def forward(self, input_ids: Tensor, bboxes: Tensor) -> Tensor:
        """Embed text tokens.

        Args:
            input_ids (Tensor): Token ids, shape ``(B, L)``.
            bboxes (Tensor): Token boxes ``x0, y0, x1, y1`` on the 0-1000
                grid, shape ``(B, L, 4)``, integer.

        Returns:
            Tensor: Shape ``(B, L, C)``.
        """
        not_padding = input_ids.ne(self.pad_token_id).long()
        positions = (torch.cumsum(not_padding, dim=1) * not_padding +
                     self.pad_token_id)
        x0, y0, x1, y1 = bboxes.unbind(-1)
        max_size = self.max_2d_coord - 1
        layout = torch.cat([
            self.x_embed(x0),
            self.y_embed(y0),
            self.x_embed(x1),
            self.y_embed(y1),
            self.h_embed((y1 - y0).clamp(0, max_size)),
            self.w_embed((x1 - x0).clamp(0, max_size)),
        ], dim=-1)
        embeddings = (
            self.word_embed(input_ids) + self.token_type_embed.weight[0] +
            self.position_embed(positions) + layout)
        return self.norm(embeddings)


class LayoutLMv3AttentionBias(nn.Module):
    """Relative 1D position and spatial 2D attention biases of LayoutLMv3.

    The 1D bias depends on the bucketed offset between token indices (text
    tokens count from 0, visual tokens - CLS first - count from 0 again, as
    in LayoutLMv3). The 2D bias is the sum of an x term (offset between the
    boxes' ``x0``) and a y term (offset between the boxes' ``y1``). Each
    term is a trainable ``(heads, buckets)`` weight.

    Per forward, bucket indices of all terms are folded into one index into
    a table holding every sum ``w_1d + w_x + w_y`` (divided by
    ``sqrt(head_dims)``), plus one ``-inf`` entry that masks padded keys.
    One gather then yields the whole bias; gradients reach the weights
    through it.

    Args:
        num_heads (int): Attention heads.
        head_dims (int): Channels per head (the biases are divided by its
            square root).
        use_rel_pos (bool): Add the relative 1D bias.
        use_spatial (bool): Add the spatial 2D bias.
        rel_pos_buckets (int): Buckets of the 1D bias.
        max_rel_pos (int): Maximum distance of the 1D buckets.
        rel_2d_pos_buckets (int): Buckets of each 2D term.
        max_rel_2d_pos (int): Maximum distance of the 2D buckets.
        max_2d_coord (int): Coordinates lie in ``0..max_2d_coord - 1``.
    """

    def __init__(self, num_heads: int, head_dims: int, use_rel_pos: bool,
                 use_spatial: bool, rel_pos_buckets: int, max_rel_pos: int,
                 rel_2d_pos_buckets: int, max_rel_2d_pos: int,
                 max_2d_coord: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = head_dims**-0.5
        self.use_rel_pos = use_rel_pos
        self.use_spatial = use_spatial
        self.rel_pos_buckets = rel_pos_buckets
        self.max_rel_pos = max_rel_pos
        self.rel_2d_pos_buckets = rel_2d_pos_buckets
        self.max_2d_offset = max_2d_coord - 1
        if use_rel_pos:
            self.rel_pos_weight = nn.Parameter(
                torch.zeros(num_heads, rel_pos_buckets))
        if use_spatial:
            self.rel_x_weight = nn.Parameter(
                torch.zeros(num_heads, rel_2d_pos_buckets))
            self.rel_y_weight = nn.Parameter(
                torch.zeros(num_heads, rel_2d_pos_buckets))
            # int32 indices: half the memory of int64 for (B, N, N) maps
            self.register_buffer(
                'spatial_bucket_table',
                bucket_lookup_table(self.max_2d_offset, rel_2d_pos_buckets,
                                    max_rel_2d_pos).int(),
                persistent=False)

    @property
    def enabled(self) -> bool:
        """Whether any bias is added."""
        return self.use_rel_pos or self.use_spatial

    @staticmethod
    def _token_box_edges(num_text: int, num_visual: int, visual_boxes: Tensor,
                         text_bboxes: Optional[Tensor]
                         ) -> Tuple[Tensor, Tensor]:
        """``x0`` and ``y1`` of the boxes of all tokens, text first.

        Returns:
            tuple[Tensor, Tensor]: Each of shape ``(B or 1, N)``.
        """
        visual_boxes = visual_boxes.reshape(-1, num_visual, 4)
        x0, y1 = visual_boxes[..., 0], visual_boxes[..., 3]
        if num_text:
            batch_size = text_bboxes.shape[0]
            x0 = torch.cat([text_bboxes[..., 0],
                            x0.expand(batch_size, -1)], 1)
            y1 = torch.cat([text_bboxes[..., 3],
                            y1.expand(batch_size, -1)], 1)
        return x0, y1

    def _token_positions(self, num_text: int, num_visual: int,
                         visual_positions: Optional[Tensor]
                         ) -> Tuple[Tensor, Tensor, int]:
        """1D positions of all tokens and the buckets of their offsets.

        Returns:
            tuple[Tensor, Tensor, int]: Positions ``(B or 1, N)``; bucket of
            every offset in ``[-M, M]`` at index ``offset + M``,
            ``(2 * M + 1,)`` int32; M.
        """
        device = self.rel_pos_weight.device
        if visual_positions is None:
            visual_positions = torch.arange(num_visual, device=device)
        visual_positions = visual_positions.reshape(-1, num_visual)
        positions = torch.cat([
            torch.arange(num_text, device=device).expand(
                visual_positions.shape[0], -1), visual_positions
        ], dim=1)
        # visual positions lie in [0, num_visual)
        max_offset = max(num_text, num_visual) - 1
        bucket_table = bucket_lookup_table(
            max_offset, self.rel_pos_buckets,
            self.max_rel_pos).to(device, torch.int32)
        return positions, bucket_table, max_offset

    def _bucket_index(self, num_text: int, num_visual: int,
                      x0: Optional[Tensor], y1: Optional[Tensor],
                      visual_positions: Optional[Tensor]
                      ) -> Tuple[Tensor, Tensor]:
        """Index into the summed table and the table, without padding.

        Returns:
            tuple[Tensor, Tensor]: Index of shape ``(B or 1, N, N)``
            (int32), table of shape ``(heads, R)``.
        """
        index = None
        table = None
        if self.use_spatial:
            num_2d = self.rel_2d_pos_buckets
            x0, y1 = x0.int(), y1.int()
            offset_x = x0[:, None, :] - x0[:, :, None] + self.max_2d_offset
            offset_y = y1[:, None, :] - y1[:, :, None] + self.max_2d_offset
            index = (self.spatial_bucket_table[offset_x] * num_2d +
                     self.spatial_bucket_table[offset_y])
            table = (self.rel_x_weight[:, :, None] +
                     self.rel_y_weight[:, None, :]).flatten(1)
        if self.use_rel_pos:
            positions, bucket_table, max_offset = self._token_positions(
                num_text, num_visual, visual_positions)
            rel_index = bucket_table[positions[:, None, :] -
                                     positions[:, :, None] + max_offset]
            if index is None:
                index, table = rel_index, self.rel_pos_weight
            else:
                index = index + rel_index * table.shape[1]
                table = (self.rel_pos_weight[:, :, None] +
                         table[:, None, :]).flatten(1)
        return index, table

    def forward(self,
                num_text: int,
                num_visual: int,
                visual_boxes: Tensor,
                text_bboxes: Optional[Tensor] = None,
                key_mask: Optional[Tensor] = None,
                dtype: torch.dtype = torch.float32,
                visual_positions: Optional[Tensor] = None
                ) -> Optional[Tensor]:
        """Build the additive attention bias of one forward.

        The sequence is ``[text (num_text) ; visual (num_visual)]``.

        Args:
            num_text (int): Number of text tokens L (may be 0).
            num_visual (int): Number of visual tokens, CLS included.
            visual_boxes (Tensor): Boxes of the visual tokens, shape
                ``(num_visual, 4)`` shared by the batch or
                ``(B, num_visual, 4)`` per image.
            text_bboxes (Tensor, optional): Text boxes, shape ``(B, L, 4)``.
            key_mask (Tensor, optional): ``True`` for keys that may be
                attended, shape ``(B, N)``; ``None`` attends everything.
            dtype (torch.dtype): Dtype of the result.
            visual_positions (Tensor, optional): 1D positions of the visual
                tokens, values in ``[0, num_visual)``, shape
                ``(num_visual,)`` or ``(B, num_visual)``; ``None`` counts
                ``0, 1, ...`` (CLS first, patches row-major).

        Returns:
            Tensor or None: Shape ``(B or 1, heads or 1, N, N)`` (a strided
            view, last dim contiguous), ``-inf`` at masked keys; ``None``
            when there is neither a bias nor a mask.
        """
        if not self.enabled:
            if key_mask is None:
                return None
            mask = torch.zeros(key_mask.shape, dtype=dtype,
                               device=key_mask.device)
            return mask.masked_fill(~key_mask, float('-inf'))[:, None, None]

        x0 = y1 = None
        if self.use_spatial:
            x0, y1 = self._token_box_edges(num_text, num_visual,
                                           visual_boxes, text_bboxes)
        index, table = self._bucket_index(num_text, num_visual, x0, y1,
                                          visual_positions)
        table = (table * self.scale).to(dtype)
        if key_mask is not None:
            masked_entry = table.new_full((self.num_heads, 1), float('-inf'))
            table = torch.cat([table, masked_entry], dim=1)
            index = index.masked_fill(~key_mask[:, None, :],
                                      table.shape[1] - 1)
        batch_size, seq_len = index.shape[0], index.shape[-1]
        # gather, not index_select: its backward (scatter_add) is ~20x
        # faster on CPU than index_select's (index_add along dim 1).
        flat_index = index.flatten().long().expand(self.num_heads, -1)
        bias = table.gather(1, flat_index)
        return bias.view(self.num_heads, batch_size, seq_len,
                         seq_len).transpose(0, 1)

    def flex_bias(self,
                  num_text: int,
                  num_visual: int,
                  visual_boxes: Tensor,
                  text_bboxes: Optional[Tensor] = None,
                  key_mask: Optional[Tensor] = None,
                  dtype: torch.dtype = torch.float32,
                  visual_positions: Optional[Tensor] = None
                  ) -> FlexAttentionBias:
        """The bias of :meth:`forward` in FlexAttention's form: no
        ``(B, heads, N, N)`` tensor and no ``(N, N)`` index.

        Its ``score_mod`` adds, per score, the entry of the summed and
        scaled table that :meth:`forward` gathers from; the entry's column
        comes from the tokens' ``x0``, ``y1`` and 1D positions (O(N) each)
        and the bucket tables of their offsets. Padded keys are masked by a
        block mask rather than ``-inf`` entries. Gradients reach the bias
        weights through the table. For :func:`flex_biased_attention`, on
        CUDA.

        Args:
            num_text, num_visual, visual_boxes, text_bboxes, key_mask,
            dtype, visual_positions: As in :meth:`forward`.

        Returns:
            FlexAttentionBias: ``score_mod`` None when no bias is enabled,
            ``block_mask`` None without ``key_mask``.
        """
        block_mask = (None if key_mask is None else
                      key_padding_block_mask(key_mask))
        if not self.enabled:
            return FlexAttentionBias(None, block_mask)
        terms, table = [], None
        if self.use_spatial:
            x0, y1 = self._token_box_edges(num_text, num_visual,
                                           visual_boxes, text_bboxes)
            num_2d = self.rel_2d_pos_buckets
            terms = [
                RelativeBucketTerm(x0, self.spatial_bucket_table, num_2d),
                RelativeBucketTerm(y1, self.spatial_bucket_table, 1)
            ]
            # the column layout of _bucket_index's table
            table = (self.rel_x_weight[:, :, None] +
                     self.rel_y_weight[:, None, :]).flatten(1)
        if self.use_rel_pos:
            positions, bucket_table, _ = self._token_positions(
                num_text, num_visual, visual_positions)
            if table is None:
                table = self.rel_pos_weight
                terms = [RelativeBucketTerm(positions, bucket_table, 1)]
            else:
                terms.append(
                    RelativeBucketTerm(positions, bucket_table,
                                       table.shape[1]))
                table = (self.rel_pos_weight[:, :, None] +
                         table[:, None, :]).flatten(1)
        # every term indexes the same samples: 1 (shared) or B
        num_samples = max(term.coords.shape[0] for term in terms)
        terms = [
            term._replace(
                coords=term.coords.expand(num_samples, -1).contiguous())
            for term in terms
        ]
        table = (table * self.scale).to(dtype)
        return FlexAttentionBias(
            bucketed_bias_score_mod(table, terms), block_mask)


class BiasedSelfAttention(nn.Module):
    """Multi-head self-attention with an additive bias.

    Args:
        embed_dims (int): Channels C.
        num_heads (int): Attention heads.
        attn_drop (float): Dropout on the attention probabilities.
        proj_drop (float): Dropout on the output projection.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self,
                x: Tensor,
                attn_bias: Union[Tensor, FlexAttentionBias, None] = None
                ) -> Tensor:
        """Attend.

        Args:
            x (Tensor): Tokens, shape ``(B, N, C)``.
            attn_bias (Tensor | FlexAttentionBias, optional): Additive bias
                broadcastable to ``(B, heads, N, N)``, or a bias in
                FlexAttention's form (no attention dropout then).

        Returns:
            Tensor: Shape ``(B, N, C)``.
        """
        batch_size, seq_len, channels = x.shape
        qkv = self.qkv(x).view(batch_size, seq_len, 3, self.num_heads, -1)
        query, key, value = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        dropout = self.attn_drop if self.training else 0.
        if isinstance(attn_bias, Tensor):
            attn_bias = attn_bias.to(query.dtype)
        if isinstance(attn_bias, FlexAttentionBias):
            if dropout:
                raise ValueError('FlexAttention has no attention dropout: '
                                 'set attn_drop to 0 to attend with a '
                                 'FlexAttentionBias')
            out = flex_biased_attention(query, key, value, attn_bias)
        # TrainableBiasAttention takes per-head biases of shape
        # (B or 1, heads, N, N), as LayoutLMv3AttentionBias builds them.
        elif (attn_bias is not None and attn_bias.requires_grad
                and attn_bias.dim() == 4
                and attn_bias.shape[1] == self.num_heads and not dropout
                and query.device.type == 'cpu'):
            out = TrainableBiasAttention.apply(query, key, value, attn_bias)
        else:
            out = F.scaled_dot_product_attention(
                query, key, value, attn_mask=attn_bias, dropout_p=dropout)
        out = out.transpose(1, 2).reshape(batch_size, seq_len, channels)
        return self.proj_drop(self.proj(out))


class FeedForward(nn.Module):
    """``fc2(gelu(fc1(x)))`` followed by dropout.

    Args:
        embed_dims (int): Input and output channels C.
        feedforward_channels (int): Hidden channels.
        drop_rate (float): Dropout on the output.
    """

    def __init__(self,
                 embed_dims: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.) -> None:
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, feedforward_channels)
        self.fc2 = nn.Linear(feedforward_channels, embed_dims)
        self.dropout = nn.Dropout(drop_rate)

    def forward(self, x: Tensor) -> Tensor:
        """Apply to tokens of shape ``(B, N, C)``."""
        return self.dropout(self.fc2(F.gelu(self.fc1(x))))


class LayoutLMv3Block(nn.Module):
    """Post-norm transformer block of LayoutLMv3 (BERT/RoBERTa layout).

    ``x = norm1(x + drop_path(attn(x)))``,
    ``x = norm2(x + drop_path(ffn(x)))``.

    Args:
        embed_dims (int): Channels C.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden channels of the FFN.
        drop_rate (float): Dropout after the attention and FFN outputs.
        attn_drop_rate (float): Dropout on attention probabilities.
        drop_path_rate (float): Stochastic depth of this block.
        layer_norm_eps (float): LayerNorm epsilon.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 layer_norm_eps: float = 1e-5) -> None:
        super().__init__()
        self.attn = BiasedSelfAttention(embed_dims, num_heads,
                                        attn_drop_rate, drop_rate)
        self.norm1 = nn.LayerNorm(embed_dims, eps=layer_norm_eps)
        self.ffn = FeedForward(embed_dims, feedforward_channels, drop_rate)
        self.norm2 = nn.LayerNorm(embed_dims, eps=layer_norm_eps)
        self.drop_path = (
            DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity())

    def forward(self,
                x: Tensor,
                attn_bias: Union[Tensor, FlexAttentionBias, None] = None
                ) -> Tensor:
        """Apply the block to tokens of shape ``(B, N, C)``."""
        x = self.norm1(x + self.drop_path(self.attn(x, attn_bias)))
        return self.norm2(x + self.drop_path(self.ffn(x)))
