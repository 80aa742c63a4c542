"""Word-patch alignment: how much of a text box masked patches cover."""
import torch
from torch import Tensor


def masked_box_share(bboxes: Tensor, patch_mask: Tensor,
                     valid_shapes: Tensor, patch_size: int) -> Tensor:
    """Share of each text box's area that masked image patches cover.

    A box ``x0, y0, x1, y1`` lies on the 0-1000 grid of its image's valid
    area of ``(h, w)`` pixels; patch ``(r, c)`` covers pixels
    ``[c * p, (c + 1) * p) x [r * p, (r + 1) * p)``, i.e. x from
    ``1000 * c * p / w`` to ``1000 * (c + 1) * p / w`` on that grid (and the
    same in y). Since the patches form a grid, the covered area of a box is
    ``sum_rc mask[r, c] * overlap_y(r) * overlap_x(c)``: two small
    overlap tables and one product, no ``(L, patches)`` intersection
    tensor. A box without width or height counts as one grid unit wide or
    high, so that a degenerate box still has a share.

    Args:
        bboxes (Tensor): ``(B, L, 4)`` integer boxes on the 0-1000 grid.
        patch_mask (Tensor): ``(B, rows, cols)`` bool, masked patches of
            the batch canvas (never beyond an image's valid area).
        valid_shapes (Tensor): ``(B, 2)`` integer ``(h, w)`` of each
            image's content in pixels.
        patch_size (int): Patch side p in pixels.

    Returns:
        Tensor: ``(B, L)`` float32 shares in ``[0, 1]``.
    """
    boxes = bboxes.float()
    x0, y0, x1, y1 = boxes.unbind(-1)
    x1 = torch.maximum(x1, x0 + 1)
    y1 = torch.maximum(y1, y0 + 1)
    rows, cols = patch_mask.shape[1:]
    valid = valid_shapes.float()

    def overlaps(low: Tensor, high: Tensor, cells: int,
                 side: Tensor) -> Tensor:
        """``(B, L, cells)`` overlap of ``[low, high]`` with each cell."""
        edges = torch.arange(cells + 1, device=boxes.device) * patch_size
        edges = (edges[None] * 1000 / side[:, None]).clamp(max=1000)
        start = torch.maximum(low[..., None], edges[:, None, :-1])
        end = torch.minimum(high[..., None], edges[:, None, 1:])
        return (end - start).clamp(min=0)

    overlap_y = overlaps(y0, y1, rows, valid[:, 0])
    overlap_x = overlaps(x0, x1, cols, valid[:, 1])
    covered = torch.einsum('blr,brc,blc->bl', overlap_y,
                           patch_mask.float(), overlap_x)
    return (covered / ((x1 - x0) * (y1 - y0))).clamp(0, 1)
