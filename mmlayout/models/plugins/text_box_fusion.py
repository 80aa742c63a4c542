"""TextBoxFusion: add the text states of words to the map cells they cover.

Every map cell receives the mean of the (projected) states of the text
tokens whose box covers it, times a learnable per-channel gate that starts
at zero. The sums over the covering tokens are computed for all levels,
tokens and images at once with a summed-area table: each token adds its
state at the four corners of its cell rectangle in a difference array
(``+`` top-left and bottom-right, ``-`` top-right and bottom-left), and
prefix sums along y and x turn the array into the sum over the covering
tokens of every cell. The cost is ``O(L * C + H * W * C)`` instead of
``O(L * H * W * C)``, and nothing loops over tokens or images in Python.

The table is accumulated in float64: in float32 the rounding errors of the
long prefix sums, which run through the sums of all the boxes on their
way, reach 1e-5 on dense pages, whereas the sum of each cell's own tokens
has far smaller errors.
"""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

#: Signs of the corners (y0, x0), (y1, x1), (y0, x1), (y1, x0) of a box in
#: the difference array of a summed-area table.
CORNER_SIGNS = (1., 1., -1., -1.)


def _prefix_sum_(tensor: Tensor, dim: int, reverse: bool = False) -> None:
    """Inclusive prefix (or, with ``reverse``, suffix) sum along ``dim``, in
    place and outside autograd."""
    if tensor.device.type != 'cpu':
        if reverse:
            tensor.copy_(tensor.flip(dim).cumsum(dim).flip(dim))
        else:
            tensor.copy_(tensor.cumsum(dim))
        return
    # torch.cumsum runs element by element on CPU; whole slabs are
    # vectorised (about 10x faster on 50x38 maps of 3072 channels).
    size = tensor.shape[dim]
    if reverse:
        for index in range(size - 2, -1, -1):
            tensor.select(dim, index).add_(tensor.select(dim, index + 1))
    else:
        for index in range(1, size):
            tensor.select(dim, index).add_(tensor.select(dim, index - 1))


def _scatter_add_(table: Tensor, rows: Tensor, values: Tensor,
                  sign: float) -> None:
    """``table[rows] += sign * values`` in place, summing repeated rows."""
    if sign == 1 and table.device.type == 'cpu':
        # On CPU index_add_ with alpha 1 takes a parallel radix-sort path
        # that stalls for tens of ms when other processes share the cores.
        table.index_put_((rows, ), values, accumulate=True)
    else:
        table.index_add_(0, rows, values, alpha=sign)


class _BoxSum(torch.autograd.Function):
    """Sums of token values over the map cells their boxes cover.

    A summed-area table: the forward scatters the values at the box
    corners and takes prefix sums; the backward takes suffix sums of the
    gradient and reads each box's sum at its corners. The table has the
    accumulation dtype; values and gradients keep theirs. Its rows are the
    cells in ``(H, W, B)`` order, so that one 2D transpose turns it into
    ``(B, C, H, W)`` maps (2D transposes have a fast blocked copy on CPU;
    other permutations copy element by element).
    """

    @staticmethod
    def forward(ctx, values: Tensor, corners: Tensor, map_shape: tuple,
                table_dtype: torch.dtype, out_dtype: torch.dtype) -> Tensor:
        """
        Args:
            values (Tensor): ``(T, ...)``, the values of T tokens, flattened
                to ``(T, C)``.
            corners (Tensor): ``(4, T)`` long, for each corner of
                :data:`CORNER_SIGNS` its cell in the flattened
                ``(H, W, B)`` maps; ``H * W * B`` drops the corner.
            map_shape (tuple[int]): ``(B, H, W)``.
            table_dtype (torch.dtype): Accumulation dtype.
            out_dtype (torch.dtype): Dtype of the result.

        Returns:
            Tensor: ``(B, C, H, W)``, each cell's sum over the tokens whose
            box covers it.
        """
        batch_size, height, width = map_shape
        num_cells = batch_size * height * width
        flat = values.new_empty(values.shape, dtype=table_dtype)
        flat = flat.copy_(values).view(values.shape[0], -1)
        channels = flat.shape[1]
        table = flat.new_zeros(num_cells + 1, channels)
        for rows, sign in zip(corners, CORNER_SIGNS):
            _scatter_add_(table, rows, flat, sign)
        cells = table[:num_cells].view(height, width, batch_size, channels)
        _prefix_sum_(cells, 0)
        _prefix_sum_(cells, 1)
        ctx.save_for_backward(corners)
        ctx.values_shape = values.shape
        ctx.values_dtype = values.dtype
        ctx.table_dtype = table_dtype
        cells = cells.to(out_dtype).view(height * width, -1)
        sums = cells.new_empty((batch_size, channels, height, width))
        sums.view(-1, height * width).copy_(cells.t())
        return sums

    @staticmethod
    def backward(ctx, grad_sums: Tensor) -> tuple:
        corners, = ctx.saved_tensors
        batch_size, channels, height, width = grad_sums.shape
        num_cells = batch_size * height * width
        grad_cells = grad_sums.new_empty(
            (height * width, batch_size, channels))
        grad_cells.view(height * width, -1).copy_(grad_sums.contiguous().view(
            -1, height * width).t())
        # table[cell]: sum of the gradient over the cells below and right
        # of it; the extra row is 0, the sum beyond the map.
        table = grad_sums.new_empty((num_cells + 1, channels),
                                    dtype=ctx.table_dtype)
        table[num_cells].zero_()
        cells = table[:num_cells].view(height, width, batch_size, channels)
        cells.copy_(grad_cells.view(height, width, batch_size, channels))
        del grad_cells
        _prefix_sum_(cells, 0, reverse=True)
        _prefix_sum_(cells, 1, reverse=True)
        at_corners = table.index_select(0, corners.flatten()).view(
            4, corners.shape[1], channels)
        grad_values = (at_corners[0] + at_corners[1]) - (
            at_corners[2] + at_corners[3])
        grad_values = grad_values.to(ctx.values_dtype).view(ctx.values_shape)
        return grad_values, None, None, None, None


@MODELS.register_module()
class TextBoxFusion(BaseModule):
    """Fuse text token states into the visual maps under their boxes.

    For every level ``l`` and map cell, with ``T`` the fused tokens whose
    box covers the cell::

        out_l = map_l + gate_l * mean_{t in T}(proj_l(text_state_l[t]))

    Cells covered by no fused token keep their value. ``proj_l`` is a
    linear layer (``text_channels`` to the channels of level ``l``) and
    ``gate_l`` a per-channel scale initialised to zero, so that at
    initialisation the output equals the input maps and a pretrained image
    model starts undisturbed.

    A box ``x0, y0, x1, y1`` on the 0-1000 grid of its image's valid area
    ``(h, w)`` covers the input pixels ``x0 / 1000 * w .. x1 / 1000 * w``
    (same for y with ``h``); the maps cover the padded batch canvas,
    top-left aligned, one cell per ``stride`` pixels. The box covers the
    cells ``floor(x0_px / stride)`` to
    ``max(ceil(x1_px / stride), floor(x0_px / stride) + 1) - 1`` (the cells
    its pixels overlap, and one cell for a zero-size box), clipped to the
    map; a box starting at or beyond the last cell still covers that last
    cell, so every fused token lands on at least one cell. Cell indices are
    computed in integer arithmetic, exactly.

    The sums are accumulated in float64 (float32 on MPS), also under
    autocast; the outputs have the dtype of the input maps. The table takes
    ``8 * B * H * W * sum(map_channels)`` bytes for the duration of the
    forward (and of the backward).

    Args:
        text_channels (int): Channels of the text states.
        map_channels (int | Sequence[int]): Channels of the visual maps,
            one value for all levels or one per level.
        num_levels (int): Number of maps. Defaults to 4.
        stride (int): Input pixels per map cell. Defaults to 16.
        init_cfg (dict or list[dict], optional): Initialization config.
            The projections default to PyTorch's ``nn.Linear``
            initialisation; the gate always starts at zero.
    """

    def __init__(self,
                 text_channels: int,
                 map_channels: Union[int, Sequence[int]],
                 num_levels: int = 4,
                 stride: int = 16,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(map_channels, int):
            map_channels = [map_channels] * num_levels
        map_channels = tuple(int(c) for c in map_channels)
        if num_levels < 1 or len(map_channels) != num_levels:
            raise ValueError(f'map_channels must be an int or hold num_levels '
                             f'({num_levels}) values; got {map_channels}')
        if text_channels < 1 or min(map_channels) < 1 or stride < 1:
            raise ValueError('text_channels, map_channels and stride must '
                             'be positive')
        self.text_channels = text_channels
        self.map_channels = map_channels
        self.num_levels = num_levels
        self.stride = stride
        self.text_projs = nn.ModuleList(
            nn.Linear(text_channels, channels) for channels in map_channels)
        # One gate value per channel of every level, levels concatenated.
        self.gate = nn.Parameter(torch.zeros(sum(map_channels)))

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
        batch_size, _, height, width = visual_maps[0].shape
        for level, (visual_map, channels) in enumerate(
                zip(visual_maps, self.map_channels)):
            expected = (batch_size, channels, height, width)
            if tuple(visual_map.shape) != expected:
                raise ValueError(
                    f'visual_maps[{level}] must have shape {expected} (all '
                    f'levels share B, H and W; level {level} has {channels} '
                    f'channels); got {tuple(visual_map.shape)}')
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

    def _project(self, text_states: Sequence[Tensor]) -> Tensor:
        """Gated projections of all levels, channels concatenated.

        Args:
            text_states (Sequence[Tensor]): ``(B, L, C_text)`` per level.

        Returns:
            Tensor: ``(B * L, sum(map_channels))``, or ``(B * L,
            num_levels, C)`` with the same channels on every level; the
            gate is folded into the weights.
        """
        gates = self.gate.split(self.map_channels)
        if len(set(self.map_channels)) == 1:
            # Same channels on every level: one batched matmul.
            weight = torch.stack([
                proj.weight * gate[:, None]
                for proj, gate in zip(self.text_projs, gates)
            ])
            bias = torch.stack([
                proj.bias * gate for proj, gate in zip(self.text_projs, gates)
            ])
            states = torch.stack(tuple(text_states)).flatten(1, 2)
            values = torch.baddbmm(bias[:, None], states,
                                   weight.transpose(1, 2))
            return values.transpose(0, 1)
        values = [
            F.linear(
                states.flatten(0, 1), proj.weight * gate[:, None],
                proj.bias * gate)
            for states, proj, gate in zip(text_states, self.text_projs, gates)
        ]
        return torch.cat(values, dim=1)

    def _cell_spans(self, starts: Tensor, ends: Tensor, sizes: Tensor,
                    num_cells: int) -> Tuple[Tensor, Tensor]:
        """Map cells covered along one axis, end exclusive.

        Args:
            starts (Tensor): ``(B, L)`` box starts on the 0-1000 grid.
            ends (Tensor): ``(B, L)`` box ends on the 0-1000 grid.
            sizes (Tensor): ``(B, 1)`` valid size of each image in pixels.
            num_cells (int): Cells of the map along this axis.

        Returns:
            tuple[Tensor, Tensor]: First cell in ``[0, num_cells - 1]`` and
            end cell in ``[first + 1, num_cells]``, ``(B, L)`` each.
        """
        # cell = floor or ceil of (grid * size / 1000) / stride, exactly.
        denominator = 1000 * self.stride
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

        Args:
            visual_maps (Sequence[Tensor]): ``num_levels`` maps
                ``(B, C_l, H, W)`` of the padded batch canvas, same
                ``B, H, W`` on all levels.
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
            tuple[Tensor]: ``num_levels`` maps ``(B, C_l, H, W)`` with the
            dtype of the input maps.
        """
        self._check_inputs(visual_maps, text_states, bboxes, token_mask,
                           valid_shapes)
        visual_maps = tuple(visual_maps)
        batch_size, _, height, width = visual_maps[0].shape
        num_text = bboxes.shape[1]
        if num_text == 0 or height == 0 or width == 0:
            return visual_maps
        device = visual_maps[0].device

        # Cell rectangles [y0, y1) x [x0, x1), (B, L) each.
        bboxes = bboxes.to(device=device, dtype=torch.long)
        valid_shapes = valid_shapes.to(device=device, dtype=torch.long)
        x0, x1 = self._cell_spans(bboxes[..., 0], bboxes[..., 2],
                                  valid_shapes[:, 1:], width)
        y0, y1 = self._cell_spans(bboxes[..., 1], bboxes[..., 3],
                                  valid_shapes[:, :1], height)

        # Corner cells in the flattened (H, W, B) maps. Corners of unfused
        # tokens, and those on the bottom or right edge (y1 == H or
        # x1 == W), which precede no cell, go to a dump row.
        num_cells = batch_size * height * width
        image = torch.arange(batch_size, device=device)[:, None]
        fused = token_mask.to(device).bool()

        def corner_cells(y: Tensor, x: Tensor) -> Tensor:
            inside = fused & (y < height) & (x < width)
            return torch.where(inside, (y * width + x) * batch_size + image,
                               num_cells).flatten()

        corners = torch.stack([
            corner_cells(y0, x0),
            corner_cells(y1, x1),
            corner_cells(y0, x1),
            corner_cells(y1, x0)
        ])

        # Number of fused tokens covering each cell, exact.
        table_dtype = (
            torch.float32 if device.type == 'mps' else torch.float64)
        counts = torch.zeros(num_cells + 1, dtype=table_dtype, device=device)
        ones = counts.new_ones(batch_size * num_text)
        for rows, sign in zip(corners, CORNER_SIGNS):
            _scatter_add_(counts, rows, ones, sign)
        counts = counts[:num_cells].view(height, width, batch_size)
        counts = counts.cumsum(0).cumsum(1).permute(2, 0, 1)[:, None]
        dtype = visual_maps[0].dtype
        inv_counts = torch.where(counts > 0.5, counts.reciprocal(),
                                 counts.new_zeros(())).to(dtype)

        sums = _BoxSum.apply(
            self._project(text_states), corners, (batch_size, height, width),
            table_dtype, dtype)
        return tuple(
            torch.addcmul(visual_map, level_sums, inv_counts)
            for visual_map, level_sums in zip(
                visual_maps, sums.split(self.map_channels, dim=1)))
