"""LayoutLMv3MM: a text-aware LayoutLMv3 backbone for any image size."""
import dataclasses
import logging
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmengine.logging import print_log
from mmengine.model import BaseModule, constant_init, trunc_normal_init
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor

from ...structures import LayoutLMv3Output
from ..layers.layoutlmv3_layers import (
    LayoutLMv3AttentionBias,
    LayoutLMv3Block,
    LayoutLMv3TextEmbedding,
    patch_grid_boxes,
    valid_area_patch_boxes,
)
from ..layers.pos_embed import resize_pos_embed
from ..utils.layoutlmv3_checkpoint import load_layoutlmv3_weights


@dataclasses.dataclass(frozen=True)
class LayoutLMv3Arch:
    """Architecture fields of LayoutLMv3 (defaults: ``base``).

    The Hugging Face ``config.json`` field of each is given in brackets.

    Attributes:
        embed_dims (int): Channels C (``hidden_size``).
        num_layers (int): Transformer blocks (``num_hidden_layers``).
        num_heads (int): Attention heads (``num_attention_heads``).
        feedforward_channels (int): FFN hidden channels
            (``intermediate_size``).
        patch_size (int): Patch side in pixels (``patch_size``).
        pretrain_img_size (int): Image side the ``pos_embed`` grid was
            trained for (``input_size``).
        in_channels (int): Image channels (``num_channels``).
        vocab_size (int): Text vocabulary (``vocab_size``).
        max_text_positions (int): Rows of the 1D position table
            (``max_position_embeddings``); at most
            ``max_text_positions - pad_token_id - 1`` text tokens fit.
        type_vocab_size (int): Token types (``type_vocab_size``).
        pad_token_id (int): Padding token id (``pad_token_id``).
        max_2d_coord (int): Rows of the box tables; boxes must lie in
            ``0..max_2d_coord - 1`` (``max_2d_position_embeddings``).
        coord_dims (int): Channels per box coordinate
            (``coordinate_size``).
        shape_dims (int): Channels of box height and width (``shape_size``).
        rel_pos_buckets (int): 1D bias buckets (``rel_pos_bins``).
        max_rel_pos (int): 1D bias maximum distance (``max_rel_pos``).
        rel_2d_pos_buckets (int): 2D bias buckets (``rel_2d_pos_bins``).
        max_rel_2d_pos (int): 2D bias maximum distance
            (``max_rel_2d_pos``).
        layer_norm_eps (float): LayerNorm epsilon (``layer_norm_eps``).
    """
    embed_dims: int = 768
    num_layers: int = 12
    num_heads: int = 12
    feedforward_channels: int = 3072
    patch_size: int = 16
    pretrain_img_size: int = 224
    in_channels: int = 3
    vocab_size: int = 50265
    max_text_positions: int = 514
    type_vocab_size: int = 1
    pad_token_id: int = 1
    max_2d_coord: int = 1024
    coord_dims: int = 128
    shape_dims: int = 128
    rel_pos_buckets: int = 32
    max_rel_pos: int = 128
    rel_2d_pos_buckets: int = 64
    max_rel_2d_pos: int = 256
    layer_norm_eps: float = 1e-5


#: Presets matching the released checkpoints ``microsoft/layoutlmv3-*``.
LAYOUTLMV3_ARCHS = {
    'base':
    LayoutLMv3Arch(),
    'large':
    LayoutLMv3Arch(
        embed_dims=1024,
        num_layers=24,
        num_heads=16,
        feedforward_channels=4096,
        coord_dims=171,
        shape_dims=170),
    'base-chinese':
    LayoutLMv3Arch(vocab_size=250002),
}


@MODELS.register_module()
class LayoutLMv3MM(BaseModule):
    """LayoutLMv3 with optional text, for images of any size.

    The token sequence is ``[text ; visual CLS ; patches]``. Images of any
    size whose sides are multiples of the patch size are embedded as
    16x16 patches with ``pos_embed`` resized bicubically to the patch grid;
    text tokens are embedded as in LayoutLMv3 (word, 1D position and 2D box
    embeddings). The relative 1D and spatial 2D attention biases of
    LayoutLMv3 are computed for the actual patch grid and stay trainable.

    Padded batches: with ``valid_shapes`` (the ``(h, w)`` of each image's
    content, top-left in the padded canvas) every image is encoded in its
    own frame, as if it ran alone: its patch boxes lie on the 0-1000 grid
    of its valid area (the frame of its text boxes), ``pos_embed`` is
    resized to its valid patch grid, its patches are numbered row by row
    over that grid for the 1D bias, and patches beyond it are masked out as
    attention keys. The features of an image inside its valid area then do
    not depend on the other images of the batch.

    State dicts of Hugging Face LayoutLMv3 checkpoints load directly (see
    ``pretrained``); with the same weights, hidden states equal those of
    ``transformers.LayoutLMv3Model`` at 224x224. One deliberate difference:
    with only ``spatial_bias=True`` (no 1D bias) the spatial bias is applied,
    whereas Hugging Face ignores it in that combination.

    Args:
        arch (str): Preset, one of ``'base'``, ``'large'``,
            ``'base-chinese'``. Defaults to ``'base'``.
        arch_cfg (dict, optional): Fields of :class:`LayoutLMv3Arch`
            overriding the preset, e.g. ``dict(num_layers=6)``.
        out_indices (Sequence[int]): Blocks (0-based) whose outputs are
            returned, in block order; blocks after the last one are not
            run. Defaults to ``(3, 5, 7, 11)``.
        image_only (bool): Build no text embedding and ignore text inputs.
            Defaults to False.
        rel_pos_bias (bool): Use the relative 1D position bias.
            Defaults to True.
        spatial_bias (bool): Use the spatial 2D bias. Defaults to True.
        drop_rate (float): Dropout after the embeddings and in the blocks'
            residual branches. Defaults to 0.
        attn_drop_rate (float): Dropout on attention probabilities.
            Defaults to 0.
        drop_path_rate (float): Stochastic depth of the last block; block
            ``i`` uses ``drop_path_rate * i / (num_layers - 1)``.
            Defaults to 0.1.
        with_cp (bool): Gradient checkpointing of every block (less memory,
            about one more forward of compute). Defaults to False.
        frozen_stages (int): -1 freezes nothing; 0 freezes the embeddings
            and the attention bias weights; ``k > 0`` also the first ``k``
            blocks. Defaults to -1.
        pretrained (str, optional): Weights loaded by :meth:`init_weights`:
            a Hugging Face LayoutLMv3 directory or hub name, a weights file,
            or an mmlayout checkpoint. Loading is strict: a checkpoint that
            lacks tensors, holds others or has other shapes raises.
            Defaults to None.
        allow_missing (Sequence[str]): Key prefixes of parts that may be
            absent from ``pretrained`` and stay at their random
            initialisation, e.g. ``('text_embed.', )`` with a vision-only
            checkpoint. Defaults to ``()``.
        stem_channels (Sequence[int], optional): Embed the image with a
            convolutional stem instead of LayoutLMv3's linear patch
            projection: one 3x3 stride-2 conv (+ norm + ReLU) per entry,
            with that many output channels, then a 1x1 conv to
            ``embed_dims``; ``2 ** len(stem_channels)`` must equal the
            patch size (4 entries for 16x16 patches). For models trained
            from scratch: early convolutions are reported to make a ViT
            learn faster (Xiao et al., 2021), but no published checkpoint
            has a stem (it is then not loaded: list ``'patch_embed.'`` in
            ``allow_missing``). Defaults to None (the linear projection).
        stem_norm_cfg (dict): Norm of the stem convs. Defaults to
            ``dict(type='BN')``.
        attention_backend (str): ``'sdpa'``: the biases are gathered into
            one ``(B, heads, N, N)`` tensor per forward, added in
            ``F.scaled_dot_product_attention`` (or the CPU autograd op of
            :class:`~mmlayout.models.ops.TrainableBiasAttention`).
            ``'flex'``: on CUDA, compiled FlexAttention looks the biases up
            per score (:meth:`LayoutLMv3AttentionBias.flex_bias`), with no
            ``(N, N)`` tensor; needs ``attn_drop_rate=0``. On other devices
            ``'flex'`` logs a warning once and attends as ``'sdpa'``
            (torch has no FlexAttention backward on CPU). Defaults to
            ``'sdpa'``.
        visual_attends_text (bool): False: the visual tokens do not attend
            to the text tokens (the text still attends to the image), so
            the visual maps depend on the image alone; an ``(N, N)`` mask
            is added to the attention bias. Pre-training with MLM/WPA made
            the patches attend almost only to the text and their states
            collapse (projects/layoutlmv3_pretraining). Only with
            ``attention_backend='sdpa'``. Defaults to True.
        init_cfg (dict, optional): MMEngine initialisation config; not
            together with ``pretrained``. Defaults to None.
    """

    #: Values of ``attention_backend``.
    ATTENTION_BACKENDS = ('sdpa', 'flex')
    #: Devices on which ``attention_backend='flex'`` attends through
    #: FlexAttention (compiled, with a backward).
    FLEX_DEVICE_TYPES = ('cuda', )

    def __init__(self,
                 arch: str = 'base',
                 arch_cfg: Optional[Dict] = None,
                 out_indices: Sequence[int] = (3, 5, 7, 11),
                 image_only: bool = False,
                 rel_pos_bias: bool = True,
                 spatial_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 pretrained: Optional[str] = None,
                 allow_missing: Sequence[str] = (),
                 stem_channels: Optional[Sequence[int]] = None,
                 stem_norm_cfg: Dict = dict(type='BN'),  # noqa: B006
                 attention_backend: str = 'sdpa',
                 visual_attends_text: bool = True,
                 init_cfg: Optional[Union[Dict, list]] = None) -> None:
        if pretrained is not None and init_cfg is not None:
            raise ValueError('Give either `pretrained` or `init_cfg`, not '
                             'both')
        super().__init__(init_cfg=init_cfg)
        if arch not in LAYOUTLMV3_ARCHS:
            raise KeyError(f'Unknown LayoutLMv3 arch {arch!r}; choose one '
                           f'of {sorted(LAYOUTLMV3_ARCHS)}')
        try:
            self.arch = dataclasses.replace(LAYOUTLMV3_ARCHS[arch],
                                            **(arch_cfg or {}))
        except TypeError as error:
            fields = [f.name for f in dataclasses.fields(LayoutLMv3Arch)]
            raise TypeError(f'arch_cfg {arch_cfg} has an unknown field; '
                            f'known fields: {fields}') from error
        self.arch_name = arch
        spec = self.arch
        if len(set(out_indices)) != len(out_indices) or not all(
                0 <= index < spec.num_layers for index in out_indices):
            raise ValueError(
                f'out_indices {tuple(out_indices)} must be distinct block '
                f'indices in [0, {spec.num_layers - 1}]')
        if not -1 <= frozen_stages <= spec.num_layers:
            raise ValueError(f'frozen_stages must be in [-1, '
                             f'{spec.num_layers}], got {frozen_stages}')
        if attention_backend not in self.ATTENTION_BACKENDS:
            raise ValueError(
                f'attention_backend must be one of '
                f'{self.ATTENTION_BACKENDS}, got {attention_backend!r}')
        if attention_backend == 'flex' and attn_drop_rate:
            raise ValueError(
                f"attention_backend='flex' has no attention dropout; set "
                f"attn_drop_rate=0 (got {attn_drop_rate}) or use 'sdpa'")
        if attention_backend == 'flex' and not visual_attends_text:
            raise ValueError("visual_attends_text=False needs "
                             "attention_backend='sdpa'")
        self.attention_backend = attention_backend
        self.visual_attends_text = visual_attends_text
        self._flex_fallback_logged = False
        self.out_indices = tuple(sorted(out_indices))
        self.image_only = image_only
        self.with_cp = with_cp
        self.frozen_stages = frozen_stages
        self.pretrained = pretrained
        self.allow_missing = tuple(allow_missing)
        self.patch_size = spec.patch_size
        self.max_text_tokens = spec.max_text_positions - spec.pad_token_id - 1

        if not image_only:
            self.text_embed = LayoutLMv3TextEmbedding(
                spec.embed_dims, spec.vocab_size, spec.max_text_positions,
                spec.type_vocab_size, spec.pad_token_id, spec.max_2d_coord,
                spec.coord_dims, spec.shape_dims, spec.layer_norm_eps)
        self.patch_embed = self._build_patch_embed(stem_channels,
                                                   stem_norm_cfg)
        self.pretrain_grid = spec.pretrain_img_size // spec.patch_size
        self.cls_token = nn.Parameter(torch.zeros(1, 1, spec.embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, 1 + self.pretrain_grid**2, spec.embed_dims))
        self.visual_norm = nn.LayerNorm(spec.embed_dims, eps=1e-6)
        self.embed_norm = nn.LayerNorm(
            spec.embed_dims, eps=spec.layer_norm_eps)
        self.embed_drop = nn.Dropout(drop_rate)
        self.attn_bias = LayoutLMv3AttentionBias(
            spec.num_heads,
            spec.embed_dims // spec.num_heads,
            use_rel_pos=rel_pos_bias,
            use_spatial=spatial_bias,
            rel_pos_buckets=spec.rel_pos_buckets,
            max_rel_pos=spec.max_rel_pos,
            rel_2d_pos_buckets=spec.rel_2d_pos_buckets,
            max_rel_2d_pos=spec.max_rel_2d_pos,
            max_2d_coord=spec.max_2d_coord)
        drop_path_rates = torch.linspace(0, drop_path_rate,
                                         spec.num_layers).tolist()
        self.layers = nn.ModuleList(
            LayoutLMv3Block(
                spec.embed_dims,
                spec.num_heads,
                spec.feedforward_channels,
                drop_rate=drop_rate,
                attn_drop_rate=attn_drop_rate,
                drop_path_rate=rate,
                layer_norm_eps=spec.layer_norm_eps)
            for rate in drop_path_rates)
        self._freeze_stages()

    @property
    def reads_text(self) -> bool:
        """Whether the backbone takes the page text (not ``image_only``)."""
        return not self.image_only

    def _build_patch_embed(self, stem_channels: Optional[Sequence[int]],
                           norm_cfg: Dict) -> nn.Module:
        """The image embedding: ``(B, 3, H, W)`` to
        ``(B, C, H / patch, W / patch)``."""
        spec = self.arch
        if stem_channels is None:
            return nn.Conv2d(
                spec.in_channels,
                spec.embed_dims,
                kernel_size=spec.patch_size,
                stride=spec.patch_size)
        if 2**len(stem_channels) != spec.patch_size or not all(
                isinstance(c, int) and c > 0 for c in stem_channels):
            raise ValueError(
                f'stem_channels must be {spec.patch_size.bit_length() - 1} '
                f'positive ints (one stride-2 conv per halving of the '
                f'{spec.patch_size}-pixel patch), got {stem_channels!r}')
        channels = (spec.in_channels, *stem_channels)
        return nn.Sequential(*(
            ConvModule(c_in, c_out, 3, stride=2, padding=1,
                       norm_cfg=norm_cfg)
            for c_in, c_out in zip(channels[:-1], channels[1:])),
            nn.Conv2d(channels[-1], spec.embed_dims, 1))

    def init_weights(self) -> None:
        """Initialise randomly, then apply ``init_cfg`` or ``pretrained``.

        Random initialisation: truncated normal (std 0.02) for linear,
        convolution and embedding weights, ``pos_embed``, ``cls_token`` and
        the bias weights; zero biases; unit LayerNorms; Kaiming for the
        convs of a stem (``stem_channels``).
        """
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                trunc_normal_init(module, std=.02, bias=0.)
            elif isinstance(module, nn.LayerNorm):
                constant_init(module, val=1., bias=0.)
            elif isinstance(module, nn.Embedding):
                trunc_normal_(module.weight, std=.02)
                if module.padding_idx is not None:
                    module.weight.data[module.padding_idx].zero_()
        for name, param in self.named_parameters():
            if name in ('pos_embed', 'cls_token') or name.startswith(
                    'attn_bias.'):
                trunc_normal_(param, std=.02)
        for module in self.patch_embed.modules():
            if isinstance(module, ConvModule):  # Kaiming, as for a CNN
                module.init_weights()
        if self.init_cfg is not None:
            super().init_weights()
        if self.pretrained is not None:
            disabled = ('text_embed.', ) if self.image_only else ()
            if not self.attn_bias.use_rel_pos:
                disabled += ('attn_bias.rel_pos_weight', )
            if not self.attn_bias.use_spatial:
                disabled += ('attn_bias.rel_x_weight',
                             'attn_bias.rel_y_weight')
            load_layoutlmv3_weights(
                self,
                self.pretrained,
                arch=dataclasses.asdict(self.arch),
                arch_name=self.arch_name,
                disabled_prefixes=disabled,
                allow_missing=self.allow_missing)

    def _freeze_stages(self) -> None:
        """Stop gradients and dropout of the frozen stages."""
        frozen = []
        if self.frozen_stages >= 0:
            frozen = [
                self.patch_embed, self.visual_norm, self.embed_norm,
                self.attn_bias
            ]
            if not self.image_only:
                frozen.append(self.text_embed)
            self.cls_token.requires_grad = False
            self.pos_embed.requires_grad = False
        frozen += list(self.layers[:max(self.frozen_stages, 0)])
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'LayoutLMv3MM':
        """Set train mode, keeping frozen stages in eval mode."""
        super().train(mode)
        self._freeze_stages()
        return self

    def _check_inputs(self, images: Tensor, input_ids: Optional[Tensor],
                      bboxes: Optional[Tensor],
                      attention_mask: Optional[Tensor]) -> None:
        """Raise a ValueError naming the first malformed input."""
        channels = self.arch.in_channels
        if images.dim() != 4 or images.shape[1] != channels or (
                images.shape[2] % self.patch_size
                or images.shape[3] % self.patch_size):
            raise ValueError(
                f'images must have shape (B, {channels}, H, W) with H and W '
                f'multiples of {self.patch_size}; got {tuple(images.shape)}')
        if input_ids is None:
            if bboxes is not None or attention_mask is not None:
                raise ValueError('bboxes/attention_mask given without '
                                 'input_ids')
            return
        batch_size = images.shape[0]
        if input_ids.dim() != 2 or input_ids.shape[0] != batch_size:
            raise ValueError(f'input_ids must have shape ({batch_size}, L) '
                             f'for {batch_size} images; got '
                             f'{tuple(input_ids.shape)}')
        num_text = input_ids.shape[1]
        if num_text > self.max_text_tokens:
            raise ValueError(
                f'{num_text} text tokens exceed the {self.max_text_tokens} '
                f'that the 1D position table of '
                f'{self.arch.max_text_positions} rows allows')
        if bboxes is None or tuple(bboxes.shape) != (batch_size, num_text,
                                                     4):
            raise ValueError(
                f'bboxes must have shape ({batch_size}, {num_text}, 4) to '
                f'match input_ids; got '
                f'{None if bboxes is None else tuple(bboxes.shape)}')
        if bboxes.is_floating_point() or input_ids.is_floating_point():
            raise ValueError('input_ids and bboxes must be integer tensors '
                             '(bboxes on the 0-1000 grid)')
        if attention_mask is not None and tuple(
                attention_mask.shape) != (batch_size, num_text):
            raise ValueError(
                f'attention_mask must have shape ({batch_size}, {num_text}) '
                f'to match input_ids; got {tuple(attention_mask.shape)}')
        if num_text == 0:
            return
        box_min, box_max, id_min, id_max = torch.stack([
            bboxes.min(), bboxes.max(),
            input_ids.min(), input_ids.max()
        ]).tolist()
        if box_min < 0 or box_max >= self.arch.max_2d_coord:
            raise ValueError(
                f'bboxes must lie in 0..{self.arch.max_2d_coord - 1} '
                f'(normalise them to the 0-1000 grid); got values in '
                f'[{box_min}, {box_max}]')
        if id_min < 0 or id_max >= self.arch.vocab_size:
            raise ValueError(
                f'input_ids must lie in [0, {self.arch.vocab_size}); got '
                f'values in [{id_min}, {id_max}]')

    def _check_patch_mask(self, images: Tensor, patch_mask: Optional[Tensor],
                          mask_token: Optional[Tensor]) -> None:
        """Raise a ValueError naming a malformed patch mask or mask token."""
        if patch_mask is None and mask_token is None:
            return
        if patch_mask is None or mask_token is None:
            raise ValueError('patch_mask and mask_token go together: give '
                             'both or neither')
        batch_size, _, height, width = images.shape
        grid = (batch_size, height // self.patch_size,
                width // self.patch_size)
        if tuple(patch_mask.shape) != grid or patch_mask.dtype != torch.bool:
            raise ValueError(
                f'patch_mask must be a bool tensor of shape {grid} (one '
                f'entry per patch); got {patch_mask.dtype} '
                f'{tuple(patch_mask.shape)}')
        if tuple(mask_token.shape) != (self.arch.embed_dims, ):
            raise ValueError(
                f'mask_token must have shape ({self.arch.embed_dims},); got '
                f'{tuple(mask_token.shape)}')

    def _attends_with_flex(self, device_type: str) -> bool:
        """Whether this forward attends through FlexAttention; logs once why
        not when ``attention_backend='flex'`` meets another device."""
        if self.attention_backend != 'flex':
            return False
        if device_type in self.FLEX_DEVICE_TYPES:
            return True
        if not self._flex_fallback_logged:
            print_log(
                f"attention_backend='flex' attends through FlexAttention "
                f'only on {", ".join(self.FLEX_DEVICE_TYPES)} (torch has no '
                f'compiled FlexAttention with a backward on {device_type}); '
                f"attending as 'sdpa' with the (B, heads, N, N) bias tensor",
                logger='current',
                level=logging.WARNING)
            self._flex_fallback_logged = True
        return False

    def _valid_grids(self, valid_shapes: Optional[Tensor],
                     images: Tensor) -> Optional[Tensor]:
        """Patch grid ``(rows, cols)`` of each image's valid area.

        Returns:
            Tensor or None: ``(B, 2)`` long, ``ceil(valid / patch_size)``;
            None when there are no valid shapes or every image fills the
            whole canvas (nothing is padded: the boxes, positions and
            ``pos_embed`` of the canvas are those of every image).
        """
        if valid_shapes is None:
            return None
        batch_size, _, height, width = images.shape
        if tuple(valid_shapes.shape) != (batch_size, 2) or (
                valid_shapes.is_floating_point()):
            raise ValueError(
                f'valid_shapes must be an integer tensor of shape '
                f'({batch_size}, 2) holding (h, w) of each image; got '
                f'{valid_shapes.dtype} {tuple(valid_shapes.shape)}')
        low, high_h, high_w = torch.stack([
            valid_shapes.min(), valid_shapes[:, 0].max(),
            valid_shapes[:, 1].max()
        ]).tolist()
        if low < 1 or high_h > height or high_w > width:
            raise ValueError(
                f'valid_shapes must lie in 1..{height} (h) and 1..{width} '
                f'(w) for images of {height}x{width}; got '
                f'{valid_shapes.tolist()}')
        full = torch.tensor([height, width], device=valid_shapes.device)
        if bool((valid_shapes == full).all()):
            return None
        return -(-valid_shapes.long() // self.patch_size)

    def _resized_pos_embed(self, grid_size: Tuple[int, int]) -> Tensor:
        """``pos_embed`` for a patch grid: ``(1, 1 + rows * cols, C)``."""
        if grid_size == (self.pretrain_grid, self.pretrain_grid):
            return self.pos_embed
        return resize_pos_embed(self.pos_embed, grid_size)

    def _padded_patch_pos_embed(self, valid_grids: Tensor, grid_h: int,
                                grid_w: int) -> Tensor:
        """Patch position embeddings resized to each image's valid grid,
        zero beyond it.

        Returns:
            Tensor: Shape ``(B, grid_h * grid_w, C)``.
        """
        sizes, which = torch.unique(valid_grids, dim=0, return_inverse=True)
        per_size = []
        for rows, cols in sizes.tolist():  # one resize per distinct size
            patch_pos = self._resized_pos_embed((rows, cols))[0, 1:]
            patch_pos = patch_pos.reshape(rows, cols, -1)
            per_size.append(
                F.pad(patch_pos, (0, 0, 0, grid_w - cols, 0, grid_h - rows)))
        return torch.stack(per_size).flatten(1, 2)[which]

    def _embed_image(self,
                     images: Tensor,
                     valid_grids: Optional[Tensor],
                     visual_mask: Optional[Tensor],
                     patch_mask: Optional[Tensor] = None,
                     mask_token: Optional[Tensor] = None) -> Tensor:
        """Embed images into ``[CLS ; patches]`` tokens.

        Args:
            images (Tensor): Shape ``(B, 3, H, W)``.
            valid_grids (Tensor, optional): ``(B, 2)`` patch grid of each
                image's valid area; None when no image is padded.
            visual_mask (Tensor, optional): ``(B, 1 + N)`` bool, False on
                patches beyond an image's valid grid (see
                :meth:`_visual_layout`); None when no image is padded.
            patch_mask (Tensor, optional): ``(B, H / 16, W / 16)`` bool,
                patches whose embedding ``mask_token`` replaces (masked
                image modelling); with a convolutional stem their pixels
                are zeroed first, so the stem cannot see them.
            mask_token (Tensor, optional): ``(C,)``, with ``patch_mask``.

        Returns:
            Tensor: Shape ``(B, 1 + H / 16 * W / 16, C)``.
        """
        if patch_mask is not None and not isinstance(self.patch_embed,
                                                     nn.Conv2d):
            keep = (~patch_mask).to(images.dtype)[:, None]
            images = images * keep.repeat_interleave(
                self.patch_size, 2).repeat_interleave(self.patch_size, 3)
        patches = self.patch_embed(images)
        grid_h, grid_w = patches.shape[-2:]
        if valid_grids is None:
            patch_pos = self._resized_pos_embed((grid_h, grid_w))[:, 1:]
        else:
            patch_pos = self._padded_patch_pos_embed(valid_grids, grid_h,
                                                     grid_w)
        cls_token = (self.cls_token + self.pos_embed[:, :1]).expand(
            images.shape[0], -1, -1)
        patches = patches.flatten(2).transpose(1, 2)
        if patch_mask is not None:
            patches = torch.where(patch_mask.flatten(1)[..., None],
                                  mask_token.to(patches.dtype), patches)
        patches = patches + patch_pos
        tokens = self.visual_norm(torch.cat([cls_token, patches], dim=1))
        if visual_mask is None:
            return tokens
        # Patches beyond an image's valid grid hold only the patch bias,
        # whose LayerNorm (a near-constant vector) would multiply their
        # gradient by up to 1 / sqrt(eps): zero them (they are masked as
        # attention keys anyway), so no gradient flows back through them.
        return tokens * visual_mask[..., None].to(tokens.dtype)

    def _visual_layout(
        self, valid_shapes: Optional[Tensor], valid_grids: Optional[Tensor],
        grid_h: int, grid_w: int, device: torch.device
    ) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor]]:
        """Boxes, 1D positions and key mask of the visual tokens.

        Returns:
            tuple: boxes ``(1 + N, 4)`` shared by the batch or
            ``(B, 1 + N, 4)`` per image; positions ``(B, 1 + N)`` (None:
            ``0, 1, ...``); key mask ``(B, 1 + N)`` bool, False on patches
            beyond an image's valid grid (None: nothing is padded).
        """
        if valid_grids is None:
            return patch_grid_boxes(grid_h, grid_w, device=device), None, None
        boxes = valid_area_patch_boxes(valid_shapes, grid_h, grid_w,
                                       self.patch_size)
        rows = torch.arange(grid_h, device=device)[None, :, None]
        cols = torch.arange(grid_w, device=device)[None, None, :]
        valid_rows = valid_grids[:, 0, None, None]
        valid_cols = valid_grids[:, 1, None, None]
        positions = 1 + rows * valid_cols + cols
        inside = (rows < valid_rows) & (cols < valid_cols)
        positions = F.pad(positions.flatten(1), (1, 0), value=0)
        key_mask = F.pad(inside.flatten(1), (1, 0), value=True)
        return boxes, positions, key_mask

    def forward(self,
                images: Tensor,
                input_ids: Optional[Tensor] = None,
                bboxes: Optional[Tensor] = None,
                attention_mask: Optional[Tensor] = None,
                valid_shapes: Optional[Tensor] = None,
                patch_mask: Optional[Tensor] = None,
                mask_token: Optional[Tensor] = None) -> LayoutLMv3Output:
        """Encode images and, optionally, their text.

        Args:
            images (Tensor): Shape ``(B, 3, H, W)``, H and W multiples of 16.
            input_ids (Tensor, optional): Text token ids, ``(B, L)``.
            bboxes (Tensor, optional): Token boxes ``x0, y0, x1, y1`` on the
                0-1000 grid of each image's valid area, ``(B, L, 4)``,
                integer; required with ``input_ids``.
            attention_mask (Tensor, optional): ``(B, L)``, 1 for real tokens
                and 0 for padding; all ones when omitted.
            valid_shapes (Tensor, optional): ``(B, 2)`` integer ``(h, w)``
                of each image's content (top-left) in pixels; None when
                every image fills the canvas.
            patch_mask (Tensor, optional): ``(B, H / 16, W / 16)`` bool,
                patches hidden from the model for masked image modelling:
                their embedding is replaced by ``mask_token`` before the
                position embedding is added (with a convolutional stem
                their pixels are zeroed before the stem too).
            mask_token (Tensor, optional): ``(C,)`` learnable embedding of
                a masked patch; required with ``patch_mask``.

        Returns:
            LayoutLMv3Output: A tuple of ``(B, C, H / 16, W / 16)`` maps, one
            per ``out_indices`` entry, with ``text_states`` (``(B, L, C)``
            each) and ``text_mask`` (``(B, L)``) when text was given and
            ``image_only`` is False.
        """
        if self.image_only:
            input_ids = bboxes = attention_mask = None
        self._check_inputs(images, input_ids, bboxes, attention_mask)
        self._check_patch_mask(images, patch_mask, mask_token)
        valid_grids = self._valid_grids(valid_shapes, images)
        batch_size = images.shape[0]
        grid_h = images.shape[2] // self.patch_size
        grid_w = images.shape[3] // self.patch_size

        visual_boxes, visual_positions, visual_mask = self._visual_layout(
            valid_shapes, valid_grids, grid_h, grid_w, images.device)
        tokens = self._embed_image(images, valid_grids, visual_mask,
                                   patch_mask, mask_token)
        num_visual = tokens.shape[1]
        num_text = 0 if input_ids is None else input_ids.shape[1]
        text_mask = key_mask = None
        if input_ids is not None:
            tokens = torch.cat([self.text_embed(input_ids, bboxes), tokens],
                               dim=1)
            text_mask = (
                input_ids.new_ones(input_ids.shape, dtype=bool)
                if attention_mask is None else attention_mask.bool())
        if attention_mask is not None or visual_mask is not None:
            parts = [] if text_mask is None else [text_mask]
            parts.append(visual_mask if visual_mask is not None else
                         tokens.new_ones((batch_size, num_visual), dtype=bool))
            key_mask = torch.cat(parts, dim=1)
        tokens = self.embed_drop(self.embed_norm(tokens))

        device_type = tokens.device.type
        bias_dtype = (
            torch.get_autocast_dtype(device_type)
            if torch.is_autocast_enabled(device_type) else tokens.dtype)
        build_attn_bias = (
            self.attn_bias.flex_bias
            if self._attends_with_flex(device_type) else self.attn_bias)
        attn_bias = build_attn_bias(
            num_text,
            num_visual,
            visual_boxes,
            text_bboxes=bboxes,
            key_mask=key_mask,
            dtype=bias_dtype,
            visual_positions=visual_positions)
        if num_text and not self.visual_attends_text:
            # visual queries (rows after the text) x text keys: -inf
            blocked = tokens.new_zeros(num_text + num_visual,
                                       num_text + num_visual, dtype=bias_dtype)
            blocked[num_text:, :num_text] = float('-inf')
            attn_bias = blocked if attn_bias is None else attn_bias + blocked

        visual_maps, text_states = [], []
        for index, layer in enumerate(self.layers):
            if self.with_cp and self.training and torch.is_grad_enabled():
                tokens = cp.checkpoint(
                    layer, tokens, attn_bias, use_reentrant=False)
            else:
                tokens = layer(tokens, attn_bias)
            if index in self.out_indices:
                patches = tokens[:, num_text + 1:]
                visual_maps.append(
                    patches.transpose(1, 2).reshape(batch_size, -1, grid_h,
                                                    grid_w))
                text_states.append(tokens[:, :num_text])
            if index == self.out_indices[-1]:
                break
        if input_ids is None:
            return LayoutLMv3Output(visual_maps)
        return LayoutLMv3Output(visual_maps, text_states, text_mask)
