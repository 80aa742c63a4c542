"""Backbones for vit_stall_isolation.sh: stand-ins that differ from the
tiny LayoutLMv3MM in one part each, so that the runs tell which part keeps
the detector's heads from learning.

Imported as ``projects.text_vs_image.stall_backbones`` through a config's
``custom_imports`` (the script puts the repository root on ``PYTHONPATH``,
as mmdet's projects are run); not part of the package.
"""
import torch.nn as nn
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS

from mmlayout.models.backbones import LayoutLMv3MM


@MODELS.register_module()
class ResNetStride16(ResNet):
    """The stride-16 map of a ResNet's third stage, four times: the input
    shape of ``SimpleFeaturePyramid``, from a CNN.

    Args:
        token_norm (bool): LayerNorm every position's feature vector, as a
            ViT's tokens are. Defaults to False.
        **kwargs: As for mmdet's ``ResNet`` (``num_stages=3``,
            ``out_indices=(2, )``).
    """

    def __init__(self, token_norm: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        channels = self.feat_dim
        self.token_norm = nn.LayerNorm(channels) if token_norm else None

    def forward(self, images, valid_shapes=None):
        """``(B, 3, H, W)`` -> four ``(B, C, H / 16, W / 16)`` maps."""
        (x, ) = super().forward(images)
        if self.token_norm is not None:
            x = self.token_norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return (x, ) * 4


class _SkippedBlock(nn.Module):

    def forward(self, tokens, attn_bias):
        return tokens


@MODELS.register_module()
class LayoutLMv3MMEmbeddingsOnly(LayoutLMv3MM):
    """LayoutLMv3MM whose transformer blocks are all skipped: the four
    output maps are the patch embeddings (after their LayerNorms)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layers = nn.ModuleList(_SkippedBlock() for _ in self.layers)
