import torch

from mmlayout.models.utils import masked_box_share


def _share_by_loop(box, mask, valid_shape, patch):
    """Covered share of one box: every masked patch, one at a time."""
    x0, y0, x1, y1 = (float(v) for v in box)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    height, width = valid_shape
    covered = 0.
    for row in range(mask.shape[0]):
        for col in range(mask.shape[1]):
            if not mask[row, col]:
                continue
            px0 = min(col * patch * 1000 / width, 1000)
            px1 = min((col + 1) * patch * 1000 / width, 1000)
            py0 = min(row * patch * 1000 / height, 1000)
            py1 = min((row + 1) * patch * 1000 / height, 1000)
            covered += (max(0., min(x1, px1) - max(x0, px0)) *
                        max(0., min(y1, py1) - max(y0, py0)))
    return covered / ((x1 - x0) * (y1 - y0))


def test_equals_the_per_patch_loop():
    generator = torch.Generator().manual_seed(0)
    valid_shapes = torch.tensor([[224, 160], [100, 224]])
    mask = torch.rand(2, 14, 14, generator=generator) < 0.4
    mask[0, :, 10:] = False  # beyond the valid grids
    mask[1, 7:] = False
    corners = torch.randint(0, 1001, (2, 30, 2, 2), generator=generator)
    bboxes = torch.cat([corners.min(2).values, corners.max(2).values], -1)
    bboxes[0, 0] = torch.tensor([500, 500, 500, 500])  # degenerate box
    share = masked_box_share(bboxes, mask, valid_shapes, 16)
    expected = torch.tensor([[
        _share_by_loop(box, mask[b], valid_shapes[b].tolist(), 16)
        for box in bboxes[b].tolist()
    ] for b in range(2)])
    torch.testing.assert_close(share, expected, atol=1e-5, rtol=1e-5)


def test_a_page_by_hand():
    """224 x 224 page, 14 x 14 patches of 16 px; the masked block covers
    rows 0-6 and columns 0-6 (pixels 0..112, grid 0..500)."""
    mask = torch.zeros(1, 14, 14, dtype=torch.bool)
    mask[0, :7, :7] = True
    bboxes = torch.tensor([[
        [50, 50, 450, 100],    # inside the block: all covered
        [550, 600, 950, 650],  # outside it: nothing covered
        [300, 200, 700, 250],  # half inside: x 300..500 of 300..700
        [0, 0, 0, 0],          # <s>: a point at the corner, covered
    ]])
    share = masked_box_share(bboxes, mask, torch.tensor([[224, 224]]), 16)
    torch.testing.assert_close(share, torch.tensor([[1., 0., 0.5, 1.]]))
