"""Resizing a ViT-style position embedding to another patch grid."""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def resize_pos_embed(pos_embed: Tensor, grid_size: Tuple[int, int]) -> Tensor:
    """Resize ``(1, 1 + h * w, C)`` position embeddings to a new grid.

    The CLS entry is kept; the ``(h, w)`` patch grid is resized bicubically
    (half-pixel centres, ``align_corners=False``) in float32 and cast back
    to the input's dtype. The input grid must be square (as in every
    LayoutLMv3 checkpoint). :class:`LayoutLMv3MM` calls it in every forward
    whose patch grid is not its ``pretrain_img_size`` grid; the checkpoint
    loader, to fit a checkpoint's grid to the model's.

    Args:
        pos_embed (Tensor): ``(1, 1 + s * s, C)``, the CLS entry first, then
            the ``s x s`` patch grid row-major.
        grid_size (tuple[int, int]): ``(rows, cols)`` of the new grid.

    Returns:
        Tensor: Shape ``(1, 1 + grid_size[0] * grid_size[1], C)``.

    Raises:
        ValueError: If the patch entries of ``pos_embed`` are not a square
            grid.
    """
    num_patches = pos_embed.shape[1] - 1
    side = int(round(num_patches**0.5))
    if side * side != num_patches:
        raise ValueError(
            f'pos_embed with {num_patches} patch entries is not a square '
            f'grid; cannot resize it to {grid_size}')
    cls_pos, patch_pos = pos_embed[:, :1], pos_embed[:, 1:]
    patch_pos = patch_pos.reshape(1, side, side, -1).permute(0, 3, 1, 2)
    patch_pos = F.interpolate(
        patch_pos.float(), size=grid_size, mode='bicubic',
        align_corners=False).to(pos_embed.dtype)
    return torch.cat([cls_pos, patch_pos.flatten(2).transpose(1, 2)], dim=1)
