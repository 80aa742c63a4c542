"""``mmcv._ext`` for a GPU machine where mmcv cannot be built: the two ops
the detectors need, RoIAlign (average mode) and nms, run by torchvision's
kernels, which follow mmcv's conventions (RoIs ``(K, 5)`` with the image
index first, adaptive sampling for ``sampling_ratio <= 0``, ``aligned`` as
in mmcv) and read strided maps correctly. Any other op raises when called.

``prepare.sh`` installs it as ``mmcv/_ext.py`` over the pure-Python mmcv
(``MMCV_WITH_OPS=0``); ``check_routed_ops.py`` compares it with a real mmcv
build. For research runs only: mmlayout itself needs mmcv with its ops.
"""
import torch
import torchvision  # noqa: F401  registers torch.ops.torchvision

AVERAGE = 1  # mmcv's pool_mode for 'avg'


def _check_average(pool_mode: int) -> None:
    if pool_mode != AVERAGE:
        raise NotImplementedError(
            'only average RoIAlign is routed to torchvision')


def roi_align_forward(input, rois, output, argmax_y, argmax_x,
                      aligned_height, aligned_width, spatial_scale,
                      sampling_ratio, pool_mode, aligned):
    """Writes RoIAlign of ``input`` over ``rois`` into ``output``."""
    _check_average(pool_mode)
    output.copy_(torch.ops.torchvision.roi_align(
        input, rois.to(input.dtype), spatial_scale, aligned_height,
        aligned_width, sampling_ratio, aligned))


def roi_align_backward(grad_output, rois, argmax_y, argmax_x, grad_input,
                       aligned_height, aligned_width, spatial_scale,
                       sampling_ratio, pool_mode, aligned):
    """Writes the gradient of RoIAlign's input into ``grad_input``."""
    _check_average(pool_mode)
    batch, channels, height, width = grad_input.shape
    grad_input.copy_(torch.ops.torchvision._roi_align_backward(
        grad_output.contiguous(), rois.to(grad_output.dtype), spatial_scale,
        aligned_height, aligned_width, batch, channels, height, width,
        sampling_ratio, aligned))


def nms(boxes, scores, iou_threshold, offset):
    """Indices of the kept boxes, by decreasing score."""
    if offset != 0:
        raise NotImplementedError('nms with offset 1 is not routed')
    return torch.ops.torchvision.nms(boxes, scores, iou_threshold)


def get_compiler_version():
    return 'n/a (pure-Python mmcv; RoIAlign and nms through torchvision)'


def get_compiling_cuda_version():
    return 'not available'  # mmcv's own answer for ops built without CUDA


def __getattr__(name):
    """Every other op of mmcv: present (mmcv checks that when it imports),
    raising when called."""

    def not_built(*args, **kwargs):
        raise NotImplementedError(f'mmcv op {name} is not built here')

    return not_built
