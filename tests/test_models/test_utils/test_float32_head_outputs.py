"""Tests of the float32 cast of detection-head outputs."""
import torch
import torch.nn as nn

from mmlayout.models.utils import decode_boxes_in_float32, to_float32
from mmlayout.models.utils.float32_head_outputs import detection_heads


def test_to_float32_casts_reduced_tensors_in_nested_outputs():
    # an RPN head returns ([scores per level], [deltas per level])
    output = ([torch.ones(2, dtype=torch.bfloat16)],
              [torch.ones(2, dtype=torch.float16)],
              {'x': torch.ones(1, dtype=torch.float64)},
              torch.arange(3), 'name')
    cast = to_float32(output)
    assert cast[0][0].dtype == cast[1][0].dtype == torch.float32
    assert cast[2]['x'].dtype == torch.float64  # never narrowed
    assert cast[3].dtype == torch.int64 and cast[4] == 'name'
    assert isinstance(cast[0], list) and isinstance(cast, tuple)


class _TwoStage(nn.Module):
    def __init__(self, cascade: bool):
        super().__init__()
        self.rpn_head = nn.Linear(4, 4)
        self.roi_head = nn.Module()
        self.roi_head.bbox_head = (
            nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 2)])
            if cascade else nn.Linear(4, 2))


def test_every_head_of_cascade_and_single_stage_gets_the_hook():
    for cascade, count in ((True, 3), (False, 2)):
        detector = _TwoStage(cascade)
        assert len(list(detection_heads(detector))) == count
        decode_boxes_in_float32(detector)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            for head in detection_heads(detector):
                assert head.weight.dtype == torch.float32
                assert head(torch.ones(1, 4)).dtype == torch.float32
                # the layer itself computed in bfloat16
                assert torch.equal(
                    head(torch.ones(1, 4)),
                    nn.functional.linear(torch.ones(1, 4), head.weight,
                                         head.bias).float())
