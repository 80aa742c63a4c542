import pytest
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


def test_pooled_targets():
    """target_size 4: each 16 x 16 patch average-pooled to 4 x 4 first."""
    images = torch.randn(1, 3, 32, 32)
    mask = torch.tensor([[[False, True], [True, False]]])
    target = NormalizedPixelTarget(target_size=4, norm_pix=False)
    assert target.out_channels == 4 * 4 * 3
    targets = target(images, mask)
    assert targets.shape == (2, 48)
    # patch (0, 1): rows 0-15, columns 16-31, pooled 4 x 4 per channel
    expected = images[0, :, :16, 16:].reshape(3, 4, 4, 4, 4).mean((2, 4))
    torch.testing.assert_close(targets[0], expected.reshape(-1))
    expected = images[0, :, 16:, :16].reshape(3, 4, 4, 4, 4).mean((2, 4))
    torch.testing.assert_close(targets[1], expected.reshape(-1))


def test_target_size_must_divide_the_patch():
    with pytest.raises(ValueError, match='target_size'):
        NormalizedPixelTarget(patch_size=16, target_size=5)


def test_raw_target_baseline_is_the_patch_mean():
    """Without norm_pix, predicting each patch's own mean is the baseline."""
    target = NormalizedPixelTarget(patch_size=2, in_channels=1,
                                   norm_pix=False)
    targets = torch.tensor([[1., 1., 1., 1.], [3., 1., 3., 1.]])
    torch.testing.assert_close(
        target.baseline_loss(targets), torch.tensor([0., 1.]))
    preds = targets.mean(-1, keepdim=True).expand_as(targets)
    torch.testing.assert_close(
        target.per_patch_loss(preds, targets), target.baseline_loss(targets))
