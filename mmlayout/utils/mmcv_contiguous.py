"""Contiguous inputs for mmcv's compiled RoIAlign and nms.

mmcv 2.1.0's CPU kernel of ``RoIAlign`` reads its feature map through the
raw data pointer as if it were a contiguous ``(N, C, H, W)`` array, and does
not check: a strided map gives silently wrong RoI features (its CUDA kernel
raises instead). LayoutLMv3MM's maps are views of ``(B, H*W, C)`` token
states, channels-last in memory, and the convolutions of the neck keep that
layout, so on the CPU every RoI feature of the LayoutLMv3 detectors was read
from the wrong cells and channels: the detector could not learn (a
ResNet's maps are contiguous and were unaffected). The autograd functions
of both ops are therefore wrapped so that their tensor arguments, and the
gradients reaching their backward, are made contiguous first (a no-op for
tensors that already are).
"""
import functools
from typing import Any, Callable

import torch
from mmcv.ops.nms import NMSop
from mmcv.ops.roi_align import RoIAlignFunction

#: mmcv autograd functions whose compiled kernels need contiguous tensors.
CONTIGUOUS_FUNCTIONS = (NMSop, RoIAlignFunction)


def _contiguous(value: Any) -> Any:
    """``value`` made contiguous when it is a tensor."""
    return value.contiguous() if isinstance(value, torch.Tensor) else value


def _with_contiguous_args(method: Callable) -> Callable:
    """``method(ctx, *args)`` called with contiguous tensor arguments."""

    @functools.wraps(method)
    def wrapper(ctx, *args):
        return method(ctx, *map(_contiguous, args))

    wrapper.takes_contiguous_args = True
    return wrapper


def give_mmcv_ops_contiguous_inputs() -> None:
    """Wrap the forward and backward of :data:`CONTIGUOUS_FUNCTIONS` (once
    per process)."""
    for function in CONTIGUOUS_FUNCTIONS:
        if getattr(function.forward, 'takes_contiguous_args', False):
            continue
        function.forward = staticmethod(_with_contiguous_args(
            function.forward))
        if 'backward' in vars(function):
            function.backward = staticmethod(
                _with_contiguous_args(function.backward))
