"""NormalizedPixelTarget: masked image modelling by pixel regression."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class NormalizedPixelTarget(nn.Module):
    """Regress the pixels of each masked patch, normalised per patch.

    The MAE/SimMIM-style target of masked image modelling that needs no
    image tokenizer: the ``p x p x 3`` pixels of a masked patch (of the
    images as the data preprocessor normalised them), minus their mean,
    divided by their standard deviation (``norm_pix=True``, MAE's better
    variant), regressed with a mean squared error.

    With ``target_size`` ``s < p`` each patch is first average-pooled to
    ``s x s`` (a SimMIM/MaskFeat-style low-resolution target): on a page
    that keeps where the ink lies inside the patch (which lines, which
    gaps) and drops the glyph shapes, which context cannot predict.

    The baseline, reported beside the loss by :class:`PretrainMetric`, is
    the mean-pixel predictor: each masked patch's own mean value in every
    output (it knows how much ink, not where); with ``norm_pix`` that is
    predicting zeros.

    A MIM target module is the pluggable part of
    :class:`LayoutLMv3Pretrainer`: it says how many outputs the prediction
    head needs (``out_channels``), computes the targets of the masked
    patches (``forward``), scores predictions of them per patch
    (``per_patch_loss``) and scores a trivial predictor the same way
    (``baseline_loss``).

    Args:
        patch_size (int): Patch side p in pixels. Defaults to 16.
        in_channels (int): Image channels. Defaults to 3.
        target_size (int, optional): Side s of the pooled target, a
            divisor of ``patch_size``; None for the full ``p x p``.
            Defaults to None.
        norm_pix (bool): Normalise each patch's pixels. Defaults to True.
        eps (float): Added to each patch's variance (of the normalised
            pixels). Pages are mostly blank: with MAE's 1e-6 the JPEG noise
            of a blank patch would become a unit-variance target nothing
            can predict; 1e-2 (a standard deviation of ~13 grey levels at
            the usual normalisation) leaves blank patches near zero and
            patches with ink normalised. Defaults to 1e-2.
    """

    def __init__(self,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 target_size: int = None,
                 norm_pix: bool = True,
                 eps: float = 1e-2) -> None:
        super().__init__()
        target_size = patch_size if target_size is None else target_size
        if (not isinstance(target_size, int) or target_size <= 0
                or patch_size % target_size):
            raise ValueError(f'target_size must be a positive divisor of '
                             f'patch_size={patch_size}, got {target_size!r}')
        self.patch_size = patch_size
        self.target_size = target_size
        self.out_channels = target_size * target_size * in_channels
        self.norm_pix = norm_pix
        self.eps = eps

    @torch.no_grad()
    def forward(self, images: Tensor, patch_mask: Tensor) -> Tensor:
        """Targets of the masked patches.

        Args:
            images (Tensor): ``(B, 3, H, W)`` normalised images.
            patch_mask (Tensor): ``(B, H / p, W / p)`` bool.

        Returns:
            Tensor: ``(M, s * s * 3)`` float32 for the M masked patches, in
            ``patch_mask``'s row-major order (``s = target_size``).
        """
        images = images.float()
        pool = self.patch_size // self.target_size
        if pool > 1:
            images = F.avg_pool2d(images, pool)
        s = self.target_size
        patches = F.unfold(images, kernel_size=s, stride=s)
        patches = patches.transpose(1, 2)[patch_mask.flatten(1)]
        if self.norm_pix:
            mean = patches.mean(dim=-1, keepdim=True)
            var = patches.var(dim=-1, unbiased=False, keepdim=True)
            patches = (patches - mean) / (var + self.eps).sqrt()
        return patches

    def per_patch_loss(self, preds: Tensor, targets: Tensor) -> Tensor:
        """``(M,)`` mean squared error of each masked patch's pixels."""
        return (preds.float() - targets).square().mean(dim=-1)

    def baseline_loss(self, targets: Tensor) -> Tensor:
        """``(M,)`` loss of predicting each patch's own mean value."""
        return targets.var(dim=-1, unbiased=False)
