"""Feature pyramid from the single-scale maps of a plain ViT backbone."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

#: Stride of each scale op's output relative to the stride of its input.
SCALE_FACTORS = (4., 2., 1., .5)


def _resolve_norm_cfg(norm_cfg: Optional[Dict]) -> Optional[Dict]:
    """Replace a registered norm name by its class, looked up in mmdet.

    mmcv's ``build_norm_layer`` searches the registry of the current
    default scope; without one (plain scripts, tests) it would not see
    norms registered in mmdet's registry, such as ``'LN2d'``. mmdet's
    registry also finds every norm of mmcv (``BN``, ``SyncBN``, ``GN``...).
    """
    if norm_cfg is None:
        return None
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise TypeError(f'A norm config must be a dict with a "type", got '
                        f'{norm_cfg!r}')
    norm_cfg = copy.copy(norm_cfg)
    if isinstance(norm_cfg['type'], str):
        norm_cls = MODELS.get(norm_cfg['type'])
        if norm_cls is None:
            raise KeyError(f'Unknown norm type {norm_cfg["type"]!r}')
        norm_cfg['type'] = norm_cls
    return norm_cfg


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Multi-scale pyramid from four same-size maps of a ViT backbone.

    As in the LayoutLMv3 / BEiT detectors, the four stride-16 maps of
    blocks 3, 5, 7 and 11 are first brought to strides 4, 8, 16 and 32 by
    one scale op each, then fed to a standard FPN (mmdet's ``FPN``: lateral
    1x1 convs, nearest-upsampling top-down sums, 3x3 output convs) that
    adds the extra levels by max-pooling its last output with kernel 1 and
    stride 2.

    Shapes for ``(B, C, H, W)`` inputs of stride 16, ``C = in_channels``
    and ``C' = out_channels`` (``//`` rounds down, ``ceil`` up):

    - level 0, stride 4: ConvTranspose 2x2/2, norm, GELU, ConvTranspose
      2x2/2 on input 0, then FPN: ``(B, C', 4H, 4W)``;
    - level 1, stride 8: ConvTranspose 2x2/2 on input 1, then FPN:
      ``(B, C', 2H, 2W)``;
    - level 2, stride 16: input 2 as it is, then FPN: ``(B, C', H, W)``;
    - level 3, stride 32: max-pool 2x2/2 of input 3, then FPN:
      ``(B, C', H // 2, W // 2)``;
    - level 4, stride 64 (``num_outs=5``): max-pool 1x1/2 of FPN level 3:
      ``(B, C', ceil(H // 2 / 2), ceil(W // 2 / 2))``.

    E.g. 14x10 inputs give 56x40, 28x20, 14x10, 7x5 and 4x3 maps.

    Args:
        in_channels (int): Channels of each input map (768 for LayoutLMv3
            base).
        out_channels (int): Channels of each output map. Defaults to 256.
        num_outs (int): Output levels, at least 4; levels past the fourth
            are max-pooled from the previous one. Defaults to 5.
        norm_cfg (dict): Norm between the two transposed convs of level 0,
            e.g. ``dict(type='SyncBN')``, ``dict(type='GN', num_groups=32)``
            or ``dict(type='LN2d')``. Defaults to ``dict(type='BN')``.
        fpn_norm_cfg (dict, optional): Norm of the FPN's lateral and output
            convs (which then have no bias). Defaults to None.
        init_cfg (dict or list[dict], optional): Initialisation config. The
            FPN convs are always Xavier-initialised by the FPN itself; the
            scale ops keep PyTorch's default initialisation unless
            ``init_cfg`` says otherwise. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 256,
                 num_outs: int = 5,
                 norm_cfg: Dict = dict(type='BN'),  # noqa: B006 (read only)
                 fpn_norm_cfg: Optional[Dict] = None,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels),
                            ('out_channels', out_channels)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}')
        if not isinstance(num_outs, int) or num_outs < len(SCALE_FACTORS):
            raise ValueError(f'num_outs must be an int >= '
                             f'{len(SCALE_FACTORS)}, got {num_outs!r}')
        if norm_cfg is None:
            raise ValueError('norm_cfg is required: the norm between the '
                             'two transposed convs of level 0')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_outs = num_outs

        channels = in_channels
        self.scale_ops = nn.ModuleList([
            nn.Sequential(
                nn.ConvTranspose2d(channels, channels, 2, stride=2),
                build_norm_layer(_resolve_norm_cfg(norm_cfg), channels)[1],
                nn.GELU(),
                nn.ConvTranspose2d(channels, channels, 2, stride=2)),
            nn.ConvTranspose2d(channels, channels, 2, stride=2),
            nn.Identity(),
            nn.MaxPool2d(kernel_size=2, stride=2),
        ])
        self.fpn = MODELS.build(
            dict(
                type='FPN',
                in_channels=[channels] * len(SCALE_FACTORS),
                out_channels=out_channels,
                num_outs=num_outs,
                norm_cfg=_resolve_norm_cfg(fpn_norm_cfg),
                upsample_cfg=dict(mode='nearest')))

    def _check_inputs(self, inputs: Sequence[Tensor]) -> None:
        """Raise a ValueError describing the first malformed input."""
        num_ins = len(SCALE_FACTORS)
        if not isinstance(inputs, (list, tuple)) or len(inputs) != num_ins:
            count = (len(inputs) if isinstance(inputs, (list, tuple)) else
                     type(inputs).__name__)
            raise ValueError(f'SimpleFeaturePyramid expects a sequence of '
                             f'{num_ins} maps, got {count}')
        first = inputs[0]
        for index, x in enumerate(inputs):
            if not isinstance(x, Tensor) or x.dim() != 4:
                raise ValueError(
                    f'input {index} must be a (B, C, H, W) tensor, got '
                    f'{tuple(x.shape) if isinstance(x, Tensor) else x!r}')
            if x.shape[1] != self.in_channels:
                raise ValueError(
                    f'input {index} has {x.shape[1]} channels, expected '
                    f'in_channels={self.in_channels}')
            if x.shape != first.shape:
                raise ValueError(
                    f'all inputs must have the same shape; input {index} is '
                    f'{tuple(x.shape)}, input 0 is {tuple(first.shape)}')

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Build the pyramid.

        Args:
            inputs (Sequence[Tensor]): Four ``(B, in_channels, H, W)`` maps
                of stride 16 (e.g. a ``LayoutLMv3Output``).

        Returns:
            tuple[Tensor]: ``num_outs`` maps of ``out_channels`` channels
            and strides 4, 8, 16, 32, 64, ... (see the class docstring).
        """
        self._check_inputs(inputs)
        scaled = [op(x) for op, x in zip(self.scale_ops, inputs)]
        return tuple(self.fpn(scaled))
