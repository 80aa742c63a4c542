"""mmcv's compiled CPU ops under CPU autocast.

The CPU kernels of mmcv's ``nms`` and ``RoIAlign`` take float32 only. Under
CPU autocast (bfloat16: ``--amp`` without CUDA) the boxes, scores and
features a detector hands them are bfloat16, and they fail with
``expected scalar type Float but found BFloat16``. Their autograd functions
are therefore wrapped: under CPU autocast the forward runs in float32 on
float32 copies of its CPU inputs and returns floating outputs in the input
dtype (as the CUDA kernels do under fp16 autocast, so that mmdet's RoI
extractor can place them into its bfloat16 buffer); the backward gets its
reduced-precision CPU gradients in float32. Anywhere else (no autocast,
CUDA tensors) the functions behave as before.
"""
import functools
from typing import Any, Callable

import torch
from mmcv.ops.nms import NMSop
from mmcv.ops.roi_align import RoIAlignFunction

#: mmcv autograd functions whose CPU kernels take float32 only.
FLOAT32_CPU_FUNCTIONS = (NMSop, RoIAlignFunction)
_REDUCED = (torch.bfloat16, torch.float16)


def _is_reduced_cpu(value: Any) -> bool:
    """Whether ``value`` is a bfloat16/float16 tensor on the CPU."""
    return (isinstance(value, torch.Tensor) and value.device.type == 'cpu'
            and value.dtype in _REDUCED)


def _float32_forward(forward: Callable) -> Callable:
    """``forward(ctx, *args)`` in float32 under CPU autocast."""

    @functools.wraps(forward)
    def wrapper(ctx, *args):
        reduced = [arg.dtype for arg in args if _is_reduced_cpu(arg)]
        if not reduced or not torch.is_autocast_enabled('cpu'):
            return forward(ctx, *args)
        with torch.autocast('cpu', enabled=False):
            output = forward(
                ctx, *(arg.float() if _is_reduced_cpu(arg) else arg
                       for arg in args))
        if output.is_floating_point():
            output = output.to(reduced[0])
        return output

    wrapper.float32_under_cpu_autocast = True
    return wrapper


def _float32_backward(backward: Callable) -> Callable:
    """``backward(ctx, *grads)`` with reduced-precision CPU grads in
    float32 (autograd casts the returned gradients to the inputs' dtypes).
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        return backward(
            ctx, *(grad.float() if _is_reduced_cpu(grad) else grad
                   for grad in grads))

    return wrapper


def run_mmcv_ops_in_float32_under_cpu_autocast() -> None:
    """Wrap :data:`FLOAT32_CPU_FUNCTIONS` (once per process)."""
    for function in FLOAT32_CPU_FUNCTIONS:
        if getattr(function.forward, 'float32_under_cpu_autocast', False):
            continue
        function.forward = staticmethod(_float32_forward(function.forward))
        if 'backward' in vars(function):
            function.backward = staticmethod(
                _float32_backward(function.backward))
