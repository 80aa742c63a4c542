import numpy as np
import pytest
import torch

from mmlayout.models.layers import resize_pos_embed


def _cubic_weights(t: np.ndarray, a: float = -0.75) -> np.ndarray:
    """Keys' cubic convolution weights of the 4 taps around ``t`` in [0, 1).
    """
    d = np.stack([1 + t, t, 1 - t, 2 - t], axis=-1)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, far)


def _bicubic_matrix(size_in: int, size_out: int) -> np.ndarray:
    """``(size_out, size_in)`` matrix of a half-pixel-centred bicubic resize
    with edge replication (float64)."""
    src = (np.arange(size_out) + 0.5) * size_in / size_out - 0.5
    left = np.floor(src).astype(int)
    weights = _cubic_weights(src - left)
    matrix = np.zeros((size_out, size_in))
    for tap in range(4):
        cols = np.clip(left - 1 + tap, 0, size_in - 1)
        np.add.at(matrix, (np.arange(size_out), cols), weights[:, tap])
    return matrix


@pytest.mark.parametrize('grid', [(14, 14), (50, 38), (7, 20), (3, 1)])
def test_pos_embed_resize_by_value(grid):
    """resize_pos_embed against an independent separable bicubic resize of
    the 14x14 grid (Keys, a = -0.75, half-pixel centres)."""
    pos_embed = torch.randn(1, 197, 8, generator=torch.Generator()
                            .manual_seed(0))
    resized = resize_pos_embed(pos_embed, grid)
    patch_grid = pos_embed[0, 1:].reshape(14, 14, 8).double().numpy()
    rows, cols = _bicubic_matrix(14, grid[0]), _bicubic_matrix(14, grid[1])
    expected = np.einsum('ri,ijc,sj->rsc', rows, patch_grid, cols)
    assert resized.shape == (1, 1 + grid[0] * grid[1], 8)
    assert torch.equal(resized[:, 0], pos_embed[:, 0])
    np.testing.assert_allclose(
        resized[0, 1:].reshape(*grid, 8).numpy(), expected, rtol=0,
        atol=1e-5)


def test_same_grid_is_unchanged_and_dtype_is_kept():
    pos_embed = torch.randn(1, 1 + 4 * 4, 6, generator=torch.Generator()
                            .manual_seed(1))
    torch.testing.assert_close(resize_pos_embed(pos_embed, (4, 4)),
                               pos_embed, rtol=0, atol=1e-6)
    half = resize_pos_embed(pos_embed.bfloat16(), (3, 5))
    assert half.dtype == torch.bfloat16 and half.shape == (1, 16, 6)


def test_gradient_reaches_the_parameter():
    pos_embed = torch.randn(1, 1 + 3 * 3, 4, requires_grad=True)
    resize_pos_embed(pos_embed, (5, 2)).sum().backward()
    assert pos_embed.grad.shape == pos_embed.shape
    assert pos_embed.grad[0, 0].eq(1).all()  # CLS passes straight through
    assert pos_embed.grad[0, 1:].abs().sum() > 0


def test_non_square_grid_raises():
    with pytest.raises(ValueError, match='48 patch entries is not a square'):
        resize_pos_embed(torch.zeros(1, 1 + 6 * 8, 4), (4, 4))
