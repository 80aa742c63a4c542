import torch
from mmcv.ops import RoIAlign, nms

import mmlayout  # noqa: F401  wraps the mmcv ops


def random_boxes(count, generator):
    corner = torch.rand(count, 2, generator=generator) * 50
    size = torch.rand(count, 2, generator=generator) * 30 + 1
    return torch.cat([corner, corner + size], dim=1)


def test_nms_runs_under_cpu_autocast():
    generator = torch.Generator().manual_seed(0)
    boxes = random_boxes(200, generator).bfloat16()
    scores = torch.rand(200, generator=generator).bfloat16()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        dets, keep = nms(boxes, scores, 0.5)
    _, expected_keep = nms(boxes.float(), scores.float(), 0.5)
    assert 10 < len(expected_keep) < 200
    assert torch.equal(keep, expected_keep)
    assert dets.dtype == torch.bfloat16


def test_roi_align_runs_under_cpu_autocast_and_backpropagates():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(2, 8, 32, 32, generator=generator)
    rois = torch.cat([
        torch.randint(0, 2, (16, 1), generator=generator).float(),
        random_boxes(16, generator) / 2
    ], dim=1)
    roi_align = RoIAlign((7, 7), spatial_scale=0.5, sampling_ratio=2)
    reduced = features.bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        output = roi_align(reduced, rois.bfloat16())
    # the output keeps the input dtype, as mmdet's RoI extractor expects
    assert output.dtype == torch.bfloat16
    exact = features.bfloat16().float().requires_grad_()
    expected = roi_align(exact, rois.bfloat16().float())
    torch.testing.assert_close(output.float(), expected, rtol=0.02,
                               atol=0.02)
    upstream = torch.randn(expected.shape, generator=generator)
    (output.float() * upstream).sum().backward()
    (expected * upstream).sum().backward()
    assert reduced.grad.dtype == torch.bfloat16
    torch.testing.assert_close(reduced.grad.float(), exact.grad, rtol=0.02,
                               atol=0.02)
