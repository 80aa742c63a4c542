"""Detection heads that hand float32 outputs to box decoding."""
from typing import Any, Iterator

import torch
import torch.nn as nn

_REDUCED = (torch.bfloat16, torch.float16)


def to_float32(value: Any) -> Any:
    """``value`` with every bfloat16/float16 tensor in it (nested in tuples,
    lists and dicts) cast to float32; anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return value.float() if value.dtype in _REDUCED else value
    if isinstance(value, (tuple, list)):
        return type(value)(to_float32(item) for item in value)
    if isinstance(value, dict):
        return {key: to_float32(item) for key, item in value.items()}
    return value


def _float32_outputs_hook(module: nn.Module, args: tuple,
                          output: Any) -> Any:
    """Forward hook returning the module's output in float32."""
    return to_float32(output)


def detection_heads(detector: nn.Module) -> Iterator[nn.Module]:
    """The RPN head and every box and mask head of a two-stage detector
    (one per stage for a cascade)."""
    if getattr(detector, 'rpn_head', None) is not None:
        yield detector.rpn_head
    roi_head = getattr(detector, 'roi_head', None)
    for name in ('bbox_head', 'mask_head'):
        heads = getattr(roi_head, name, None)
        if isinstance(heads, nn.ModuleList):
            yield from heads
        elif heads is not None:
            yield heads


def decode_boxes_in_float32(detector: nn.Module) -> None:
    """Make the detector's heads return float32 under autocast.

    Under bfloat16 autocast (``--amp`` on a CPU) a head's convolutions and
    linear layers give bfloat16 scores and box deltas, and mmdet builds the
    anchors in their dtype, so the decoded boxes would be bfloat16: 8 bits
    of mantissa, a 4-pixel grid at coordinates 512-1023 of a page, and
    predictions that mmdet's metrics (numpy) cannot read. A forward hook on
    each head casts its outputs to float32: the layers still run in the
    reduced precision, anchors, decoding, NMS and the predictions are
    float32. Without autocast the hook changes nothing.

    Args:
        detector (nn.Module): A two-stage detector (``rpn_head`` and
            ``roi_head``); its heads get the hook.
    """
    for head in detection_heads(detector):
        head.register_forward_hook(_float32_outputs_hook)
