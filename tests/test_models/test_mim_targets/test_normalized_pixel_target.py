import torch

from mmlayout.models.mim_targets import NormalizedPixelTarget


def test_targets_of_masked_patches():
    images = torch.randn(2, 3, 32, 48)
    mask = torch.zeros(2, 2, 3, dtype=torch.bool)
    mask[0, 1, 2] = mask[1, 0, 0] = True
    target = NormalizedPixelTarget(patch_size=16, eps=1e-6)
    targets = target(images, mask)
    assert targets.shape == (2, 16 * 16 * 3)
    expected = images[0, :, 16:32, 32:48].reshape(-1)
    expected = (expected - expected.mean()) / (
        expected.var(unbiased=False) + 1e-6).sqrt()
    torch.testing.assert_close(targets[0], expected)
    assert target.out_channels == 768


def test_blank_patches_give_small_targets():
    """JPEG-like noise on a blank page: no unit-variance target."""
    images = torch.full((1, 3, 16, 16), 1.0) + 1e-3 * torch.randn(
        1, 3, 16, 16)
    mask = torch.ones(1, 1, 1, dtype=torch.bool)
    assert NormalizedPixelTarget()(images, mask).abs().max() < 0.05
    assert NormalizedPixelTarget(eps=1e-8)(images,
                                           mask).abs().max() > 0.5


def test_losses():
    target = NormalizedPixelTarget(patch_size=2, in_channels=1)
    targets = torch.tensor([[1., -1., 1., -1.], [0., 0., 2., -2.]])
    preds = torch.zeros_like(targets)
    torch.testing.assert_close(
        target.per_patch_loss(preds, targets), torch.tensor([1., 2.]))
    torch.testing.assert_close(
        target.baseline_loss(targets), torch.tensor([1., 2.]))
    torch.testing.assert_close(
        target.per_patch_loss(targets, targets), torch.zeros(2))
