"""TextBoxFusion: add the text states of words to the map cells they cover.

Every map cell receives the mean of the (projected) states of the text
tokens whose box covers it, times a learnable per-channel gate that starts
at zero. Nothing loops over tokens, boxes or images in Python:

- tokens whose boxes cover the same cells (the tokens of one OCR line share
  its box) are summed first, and the sums projected, once per box;
- each box is cut into row spans of cells; a span adds its box's value at
  its first cell and subtracts it after its last in a difference array, and
  one prefix sum along x gives every cell the sum over its boxes. The cost
  is ``O(S * C + H * W * C)`` for ``S`` spans instead of
  ``O(L * H * W * C)``.
"""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from ..ops import RowSpanSum


@MODELS.register_module()
class TextBoxFusion(BaseModule):
    """Fuse text token states into the visual maps under their boxes.

    For every level ``l`` and map cell, with ``T`` the fused tokens whose
    box covers the cell::

        out_l = map_l + gate_l * mean_{t in T}(proj_l(text_state_l[t]))

    Cells covered by no fused token keep their value. ``proj_l`` is a
    linear layer (``text_channels`` to the channels of level ``l``) and
    ``gate_l`` a per-channel scale, by default initialised to zero, so that
    at initialisation the output equals the input maps and a pretrained
    image model starts undisturbed.

    A box ``x0, y0, x1, y1`` on the 0-1000 grid of its image's valid area
    ``(h, w)`` covers the input pixels ``x0 / 1000 * w .. x1 / 1000 * w``
    (same for y with ``h``); the maps cover the padded batch canvas,
    top-left aligned, one cell per ``stride`` pixels of their level. The
    box covers the cells ``floor(x0_px / stride)`` to
    ``max(ceil(x1_px / stride), floor(x0_px / stride) + 1) - 1`` (the cells
    its pixels overlap, and one cell for a zero-size box), clipped to the
    map; a box starting at or beyond the last cell still covers that last
    cell, so every fused token lands on at least one cell. Cell indices are
    computed in integer arithmetic, exactly.

    The levels may have different strides (e.g. a CNN's stride-4 to 32
    maps): the levels of one stride share a grid and are fused together,
    one pass per distinct stride.

    The sums are accumulated in float32 (or the maps' dtype if wider), also
    under autocast; the outputs have the dtype of the input maps. The table
    of a grid takes ``4 * B * H * W * C`` bytes (``C`` the channels of its
    levels) for the duration of the forward (and of the backward).

    Args:
        text_channels (int): Channels of the text states.
        map_channels (int | Sequence[int]): Channels of the visual maps,
            one value for all levels or one per level.
        num_levels (int): Number of maps. Defaults to 4.
        stride (int | Sequence[int]): Input pixels per map cell, one value
            for all levels or one per level. Defaults to 16 (LayoutLMv3's
            patches).
        gate_init (float): Initial value of every gate channel. Defaults
            to 0 (the pretrained case). A model trained from scratch has no
            image features to protect, and under Adam a gate moves by at
            most the learning rate per step (and the projection learns
            nothing while its gate is zero): at lr 4e-4 a zero gate is
            still below 0.1 after 400 iterations, so from scratch 1.0 lets
            the text in from the start.
        init_cfg (dict or list[dict], optional): Initialization config.
            The projections default to PyTorch's ``nn.Linear``
            initialisation; the gate starts at ``gate_init``.
    """

    def __init__(self,
                 text_channels: int,
                 map_channels: Union[int, Sequence[int]],
                 num_levels: int = 4,
                 stride: Union[int, Sequence[int]] = 16,
                 gate_init: float = 0.,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(map_channels, int):
            map_channels = [map_channels] * num_levels
        if isinstance(stride, int):
            stride = [stride] * num_levels
        map_channels = tuple(int(c) for c in map_channels)
        strides = tuple(int(s) for s in stride)
        for name, values in (('map_channels', map_channels),
                             ('stride', strides)):
            if num_levels < 1 or len(values) != num_levels:
                raise ValueError(f'{name} must be an int or hold num_levels '
                                 f'({num_levels}) values; got {values}')
        if text_channels < 1 or min(map_channels) < 1 or min(strides) < 1:
            raise ValueError('text_channels, map_channels and stride must '
                             'be positive')
        self.text_channels = text_channels
        self.map_channels = map_channels
        self.num_levels = num_levels
        self.strides = strides
        # Levels sharing a stride share a grid: {stride: level indices}.
        self.grids = {
            grid_stride: tuple(level for level, s in enumerate(strides)
                               if s == grid_stride)
            for grid_stride in dict.fromkeys(strides)
        }
        self.text_projs = nn.ModuleList(
            nn.Linear(text_channels, channels) for channels in map_channels)
        # One gate value per channel of every level, levels concatenated.
        self.gate = nn.Parameter(
            torch.full((sum(map_channels), ), float(gate_init)))

    def _check_inputs(self, visual_maps: Sequence[Tensor],
                      text_states: Sequence[Tensor], bboxes: Tensor,
                      token_mask: Tensor, valid_shapes: Tensor) -> None:
        """Raise a ValueError naming the first malformed input."""
        num_levels = self.num_levels
        if len(visual_maps) != num_levels:
            raise ValueError(f'visual_maps must hold {num_levels} maps, one '
                             f'per level; got {len(visual_maps)}')
        if visual_maps[0].dim() != 4:
            raise ValueError(f'visual_maps[0] must have shape (B, C, H, W); '
                             f'got {tuple(visual_maps[0].shape)}')
        batch_size = visual_maps[0].shape[0]
        for levels in self.grids.values():
            height, width = visual_maps[levels[0]].shape[-2:]
            for level in levels:
                channels = self.map_channels[level]
                expected = (batch_size, channels, height, width)
                if tuple(visual_maps[level].shape) != expected:
                    raise ValueError(
                        f'visual_maps[{level}] must have shape {expected} '
                        f'(all levels share B, levels of one stride share H '
                        f'and W; level {level} has {channels} channels); got '
                        f'{tuple(visual_maps[level].shape)}')
        shape = tuple(bboxes.shape)
        if len(shape) != 3 or shape[0] != batch_size or shape[2] != 4:
            raise ValueError(f'bboxes must have shape ({batch_size}, L, 4); '
                             f'got {tuple(bboxes.shape)}')
        num_text = bboxes.shape[1]
        if len(text_states) != num_levels:
            raise ValueError(f'text_states must hold {num_levels} tensors, '
                             f'one per level; got {len(text_states)}')
        expected = (batch_size, num_text, self.text_channels)
        for level, states in enumerate(text_states):
            if tuple(states.shape) != expected:
                raise ValueError(
                    f'text_states[{level}] must have shape {expected} to '
                    f'match bboxes; got {tuple(states.shape)}')
        if tuple(token_mask.shape) != (batch_size, num_text):
            raise ValueError(
                f'token_mask must have shape ({batch_size}, {num_text}) to '
                f'match bboxes; got {tuple(token_mask.shape)}')
        if tuple(valid_shapes.shape) != (batch_size, 2):
            raise ValueError(
                f'valid_shapes must have shape ({batch_size}, 2), (h, w) '
                f'per image; got {tuple(valid_shapes.shape)}')
        for name, tensor in (('bboxes', bboxes), ('token_mask', token_mask),
                             ('valid_shapes', valid_shapes)):
            if tensor.is_floating_point() or tensor.is_complex():
                raise ValueError(f'{name} must be an integer (or bool) '
                                 f'tensor; got {tensor.dtype}')

    def _project(self, box_states: Tensor, box_sizes: Tensor,
                 levels: Sequence[int]) -> Tensor:
        """Gated projections of the summed states of each box.

        Args:
            box_states (Tensor): ``(G, len(levels), text_channels)``, per box
                and level the sum of the text states of its tokens.
            box_sizes (Tensor): ``(G,)``, the number of tokens of each box.
            levels (Sequence[int]): The levels to project to.

        Returns:
            Tensor: ``(G, C)``, per box the sum of the projected states of
            its tokens, the channels of ``levels`` concatenated; the gate
            is folded into the weights.
        """
        gates = self.gate.split(self.map_channels)
        weights = [
            self.text_projs[level].weight * gates[level][:, None]
            for level in levels
        ]
        biases = [
            self.text_projs[level].bias * gates[level] for level in levels
        ]
        sizes = box_sizes.to(box_states.dtype)
        if len({self.map_channels[level] for level in levels}) == 1:
            # Same channels on every level: one batched matmul.
            bias = torch.stack(biases)[:, None] * sizes[None, :, None]
            values = torch.baddbmm(bias, box_states.transpose(0, 1),
                                   torch.stack(weights).transpose(1, 2))
            return values.transpose(0, 1).flatten(1)
        return torch.cat([
            torch.addmm(bias[None] * sizes[:, None], states, weight.t())
            for states, weight, bias in zip(
                box_states.unbind(1), weights, biases)
        ], dim=1)

    @staticmethod
    def _cell_spans(starts: Tensor, ends: Tensor, sizes: Tensor,
                    num_cells: int, stride: int) -> Tuple[Tensor, Tensor]:
        """Map cells covered along one axis, end exclusive.

        Args:
            starts (Tensor): ``(N,)`` box starts on the 0-1000 grid.
            ends (Tensor): ``(N,)`` box ends on the 0-1000 grid.
            sizes (Tensor): ``(N,)`` valid size of each image in pixels.
            num_cells (int): Cells of the map along this axis.
            stride (int): Input pixels per cell.

        Returns:
            tuple[Tensor, Tensor]: First cell in ``[0, num_cells - 1]`` and
            end cell in ``[first + 1, num_cells]``, ``(N,)`` each.
        """
        # cell = floor or ceil of (grid * size / 1000) / stride, exactly.
        denominator = 1000 * stride
        first = torch.div(
            starts * sizes, denominator,
            rounding_mode='floor').clamp(0, num_cells - 1)
        last = -torch.div(-ends * sizes, denominator, rounding_mode='floor')
        return first, torch.maximum(last, first + 1).clamp(max=num_cells)

    def forward(self, visual_maps: Sequence[Tensor],
                text_states: Sequence[Tensor], bboxes: Tensor,
                token_mask: Tensor,
                valid_shapes: Tensor) -> Tuple[Tensor, ...]:
        """Add the gated mean text state of the covering tokens to each
        cell.

        Tokens whose boxes cover the same cells (the tokens of a line share
        its box) are summed before the projection, which is linear; each
        box then reaches its cells through
        :class:`~mmlayout.models.ops.RowSpanSum`.

        Args:
            visual_maps (Sequence[Tensor]): ``num_levels`` maps
                ``(B, C_l, H_l, W_l)`` of the padded batch canvas, one cell
                per ``stride`` of the level; levels of the same stride have
                the same ``H`` and ``W``.
            text_states (Sequence[Tensor]): ``num_levels`` tensors
                ``(B, L, text_channels)``, e.g. ``LayoutLMv3Output``'s
                ``text_states``.
            bboxes (Tensor): ``(B, L, 4)`` integer boxes ``x0, y0, x1, y1``
                on the 0-1000 grid of each image's valid area.
            token_mask (Tensor): ``(B, L)`` bool, True for the tokens to
                fuse (exclude ``<s>``, ``</s>`` and padding, see
                :func:`mmlayout.structures.word_token_mask`).
            valid_shapes (Tensor): ``(B, 2)`` integer ``(h, w)`` in pixels
                of each image's content in the padded input.

        Returns:
            tuple[Tensor]: ``num_levels`` maps ``(B, C_l, H_l, W_l)`` with
            the dtype of the input maps.
        """
        self._check_inputs(visual_maps, text_states, bboxes, token_mask,
                           valid_shapes)
        outputs = list(visual_maps)
        device = outputs[0].device
        fused = token_mask.to(device).bool().flatten().nonzero()[:, 0]
        if fused.numel() == 0:
            return tuple(outputs)
        num_text = bboxes.shape[1]
        image = fused.div(num_text, rounding_mode='floor')
        bboxes = bboxes.to(device=device, dtype=torch.long).flatten(0, 1)
        valid_shapes = valid_shapes.to(device=device, dtype=torch.long)
        tokens = (image, bboxes[fused], valid_shapes[image])
        for stride, levels in self.grids.items():
            grid_maps = self._fuse_grid(
                [outputs[level] for level in levels],
                [text_states[level] for level in levels], fused, tokens,
                levels, stride)
            for level, grid_map in zip(levels, grid_maps):
                outputs[level] = grid_map
        return tuple(outputs)

    def _fuse_grid(self, visual_maps: List[Tensor],
                   text_states: List[Tensor], fused: Tensor,
                   tokens: Tuple[Tensor, Tensor, Tensor],
                   levels: Sequence[int], stride: int) -> List[Tensor]:
        """Fuse the text into the maps of the levels of one stride.

        Args:
            visual_maps (list[Tensor]): The levels' ``(B, C_l, H, W)`` maps.
            text_states (list[Tensor]): The levels' ``(B, L, text_channels)``
                text states.
            fused (Tensor): ``(F,)`` flat ``b * L + t`` indices of the fused
                tokens.
            tokens (tuple[Tensor]): Per fused token its image ``(F,)``, its
                box on the 0-1000 grid ``(F, 4)`` and its image's valid shape
                ``(F, 2)``.
            levels (Sequence[int]): Indices of the levels.
            stride (int): Input pixels per cell of these maps.

        Returns:
            list[Tensor]: The fused maps.
        """
        batch_size, _, height, width = visual_maps[0].shape
        if height == 0 or width == 0:
            return visual_maps
        device = visual_maps[0].device
        image, bboxes, valid_shapes = tokens
        # Cell rectangles [y0, y1) x [x0, x1) of the fused tokens, (F,).
        x0, x1 = self._cell_spans(bboxes[:, 0], bboxes[:, 2],
                                  valid_shapes[:, 1], width, stride)
        y0, y1 = self._cell_spans(bboxes[:, 1], bboxes[:, 3],
                                  valid_shapes[:, 0], height, stride)

        # Boxes: the distinct (image, rectangle) of the tokens, (G,).
        # (A 1D unique of a mixed-radix key: unique(dim=0) compares rows
        # one by one.)
        radices = (batch_size, height, height + 1, width, width + 1)
        key = image
        for digit, radix in zip((y0, y1, x0, x1), radices[1:]):
            key = key * radix + digit
        key, box_of_token = torch.unique(key, return_inverse=True)
        digits = []
        for radix in radices[:0:-1]:
            digits.append(key % radix)
            key = key.div(radix, rounding_mode='floor')
        x1, x0, y1, y0 = digits
        image = key
        num_boxes = key.shape[0]
        box_sizes = torch.zeros(
            num_boxes, dtype=torch.long,
            device=device).index_add_(0, box_of_token,
                                      torch.ones_like(box_of_token))
        states = torch.stack(text_states, dim=2).flatten(0, 1)[fused]
        states = states.to(torch.promote_types(states.dtype, torch.float32))
        box_states = states.new_zeros((num_boxes, ) +
                                      states.shape[1:]).index_add_(
                                          0, box_of_token, states)

        # Row spans: the cells of row y from x0 to x1 - 1 of a box, (S,).
        box_heights = y1 - y0
        span_box = torch.repeat_interleave(box_heights)
        first_span = box_heights.cumsum(0) - box_heights
        span_y = y0[span_box] + torch.arange(
            span_box.shape[0], device=device) - first_span[span_box]
        span_image = image[span_box]
        num_cells = batch_size * height * width
        starts = (span_y * width + x0[span_box]) * batch_size + span_image
        span_x1 = x1[span_box]
        ends = torch.where(span_x1 < width,
                           (span_y * width + span_x1) * batch_size +
                           span_image, num_cells)
        map_shape = (batch_size, height, width)

        dtype = visual_maps[0].dtype
        table_dtype = torch.promote_types(dtype, torch.float32)
        with torch.no_grad():  # tokens covering each cell, exact
            counts = RowSpanSum.apply(
                box_sizes[:, None].to(table_dtype), span_box, starts, ends,
                map_shape, table_dtype, table_dtype)
            inv_counts = torch.where(counts > 0.5, counts.reciprocal(),
                                     counts.new_zeros(())).to(dtype)
        sums = RowSpanSum.apply(
            self._project(box_states, box_sizes, levels), span_box, starts,
            ends, map_shape, table_dtype, dtype)
        channels = [self.map_channels[level] for level in levels]
        return [
            torch.addcmul(visual_map, level_sums, inv_counts)
            for visual_map, level_sums in zip(visual_maps,
                                              sums.split(channels, dim=1))
        ]
