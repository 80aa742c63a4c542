"""RowSpanSum: sums of box values over the map cells the boxes cover.

The autograd op behind :class:`~mmlayout.models.plugins.TextBoxFusion`: the
caller cuts every box into row spans of cells (see the fusion), the op adds
each span's box value to its cells through a difference array and prefix
sums, forward and backward.
"""
import torch
from torch import Tensor


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


class RowSpanSum(torch.autograd.Function):
    """Sums of box values over the map cells their boxes cover.

    Every box is cut into its rows of cells; each row span adds the box's
    value at its first cell and subtracts it after its last one in a
    difference array, and one prefix sum along x turns the array into each
    cell's sum over the covering boxes. Text boxes are one or two cells
    tall, so there are few spans; the prefix sums run over at most ``W``
    cells, short enough for float32 (a 2D summed-area table would carry the
    sums of whole pages through its prefix sums and need float64). The
    backward takes suffix sums of the gradient along x and reads each span
    at its two ends.

    The table's rows are the cells in ``(H, W, B)`` order: the prefix sums
    add whole contiguous ``(H, B, C)`` slabs. The result is a
    ``(B, C, H, W)`` view of the table, read once by the caller's
    ``addcmul`` (a transposed copy first was 25 % slower on CPU); the
    gradient is copied into a table of the same order with one 2D
    transpose (which has a fast blocked copy on CPU).
    """

    @staticmethod
    def forward(ctx, values: Tensor, span_box: Tensor, starts: Tensor,
                ends: Tensor, map_shape: tuple, table_dtype: torch.dtype,
                out_dtype: torch.dtype) -> Tensor:
        """
        Args:
            values (Tensor): ``(G, C)`` values of G boxes.
            span_box (Tensor): ``(S,)`` long, the box of each row span.
            starts (Tensor): ``(S,)`` long, the first cell of each span in
                the flattened ``(H, W, B)`` maps.
            ends (Tensor): ``(S,)`` long, the cell after the last one of
                each span; ``H * W * B`` when the span ends at the right
                edge.
            map_shape (tuple[int]): ``(B, H, W)``.
            table_dtype (torch.dtype): Accumulation dtype.
            out_dtype (torch.dtype): Dtype of the result.

        Returns:
            Tensor: ``(B, C, H, W)`` (a view, not contiguous), each cell's
            sum over the boxes that cover it.
        """
        batch_size, height, width = map_shape
        num_cells = batch_size * height * width
        channels = values.shape[1]
        span_values = values.to(table_dtype).index_select(0, span_box)
        table = span_values.new_zeros(num_cells + 1, channels)
        table.index_put_((starts, ), span_values, accumulate=True)
        table.index_put_((ends, ), span_values.neg_(), accumulate=True)
        cells = table[:num_cells].view(height, width, batch_size, channels)
        _prefix_sum_(cells, 1)
        ctx.save_for_backward(span_box, starts, ends)
        ctx.num_values = values.shape[0]
        ctx.values_dtype = values.dtype
        ctx.table_dtype = table_dtype
        # A (B, C, H, W) view: its reader makes the one pass over it.
        return cells.to(out_dtype).permute(2, 3, 0, 1)

    @staticmethod
    def backward(ctx, grad_sums: Tensor) -> tuple:
        span_box, starts, ends = ctx.saved_tensors
        batch_size, channels, height, width = grad_sums.shape
        num_cells = batch_size * height * width
        # table[cell]: sum of the gradient over the cells right of it in
        # its row; the extra row is 0, the sum beyond the right edge.
        table = grad_sums.new_empty((num_cells + 1, channels),
                                    dtype=ctx.table_dtype)
        table[num_cells].zero_()
        table[:num_cells].view(height * width, -1).copy_(
            grad_sums.contiguous().view(-1, height * width).t())
        _prefix_sum_(
            table[:num_cells].view(height, width, batch_size, channels),
            1,
            reverse=True)
        span_grads = table.index_select(0, starts) - table.index_select(
            0, ends)
        grad_values = span_grads.new_zeros(ctx.num_values, channels)
        grad_values.index_add_(0, span_box, span_grads)
        return (grad_values.to(ctx.values_dtype), None, None, None, None,
                None, None)
