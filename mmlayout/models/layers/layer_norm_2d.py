"""LayerNorm over the channels of channels-first feature maps."""
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor


@MODELS.register_module(name='LN2d')
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel dim of ``(B, C, H, W)`` maps.

    Each spatial position is normalised over its ``C`` channels, as
    ``nn.LayerNorm(C)`` does on ``(B, H, W, C)``; the learnable weight and
    bias have shape ``(C, )``. Registered as ``'LN2d'``, so
    ``norm_cfg=dict(type='LN2d')`` builds it through mmcv's
    ``build_norm_layer``.

    Args:
        num_channels (int): Channels ``C``.
        eps (float): Added to the variance. Defaults to 1e-6.
        **kwargs: Other arguments of :class:`torch.nn.LayerNorm`
            (``elementwise_affine``, ``bias``, ``device``, ``dtype``).
    """

    def __init__(self, num_channels: int, eps: float = 1e-6, **kwargs):
        super().__init__(num_channels, eps=eps, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` of shape ``(B, C, H, W)`` over ``C``."""
        if x.dim() != 4 or x.shape[1] != self.normalized_shape[0]:
            raise ValueError(
                f'LayerNorm2d expects (B, {self.normalized_shape[0]}, H, W) '
                f'maps, got {tuple(x.shape)}')
        x = F.layer_norm(
            x.permute(0, 2, 3, 1), self.normalized_shape, self.weight,
            self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
