"""The GPU stack of tools/setup_env.sh (MMLAYOUT_DEVICE=cuda): mmcv's CUDA
ops give what its CPU ops give. Skipped, with the reason, where no GPU or
no CUDA build of the ops is at hand; tools/gpu_smoke.sh runs them."""
import pytest
import torch

from helpers.cuda import (cuda_ops_skip_reason, cuda_skip_reason,
                          requires_cuda_ops)


def random_rois(generator, count, images, width, height):
    xy = torch.rand(count, 2, generator=generator) * torch.tensor(
        [width * 0.8, height * 0.8])
    wh = torch.rand(count, 2, generator=generator) * torch.tensor(
        [width * 0.4, height * 0.4]) + 2
    index = torch.randint(0, images, (count, 1), generator=generator).float()
    return torch.cat([index, xy, xy + wh], 1)


def test_skip_reasons_name_the_cause():
    """On this machine: None with a usable GPU, else a sentence that says
    what is missing and how to get the GPU stack."""
    reason = cuda_skip_reason()
    if torch.cuda.is_available():
        assert reason is None
    else:
        assert 'CUDA' in reason and torch.__version__ in reason
        assert cuda_ops_skip_reason() == reason


@requires_cuda_ops
@pytest.mark.parametrize('aligned', [True, False])
def test_roi_align_cuda_equals_cpu(aligned):
    from mmcv.ops import RoIAlign
    g = torch.Generator().manual_seed(0)
    feats = torch.rand(2, 16, 50, 76, generator=g)
    rois = random_rois(g, 64, 2, 608, 400)
    op = RoIAlign((7, 7), spatial_scale=1 / 8, sampling_ratio=0,
                  aligned=aligned)
    feats_cpu = feats.clone().requires_grad_()
    feats_gpu = feats.cuda().requires_grad_()
    out_cpu = op(feats_cpu, rois)
    out_gpu = op(feats_gpu, rois.cuda())
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, atol=1e-5, rtol=1e-5)
    grad = torch.rand(out_cpu.shape, generator=g)
    out_cpu.backward(grad)
    out_gpu.backward(grad.cuda())
    torch.testing.assert_close(feats_gpu.grad.cpu(), feats_cpu.grad,
                               atol=1e-4, rtol=1e-4)


@requires_cuda_ops
def test_nms_and_batched_nms_cuda_equal_cpu():
    from mmcv.ops import batched_nms, nms
    g = torch.Generator().manual_seed(1)
    boxes = random_rois(g, 500, 1, 800, 1200)[:, 1:]
    scores = torch.rand(500, generator=g)
    labels = torch.randint(0, 10, (500, ), generator=g)
    dets_cpu, keep_cpu = nms(boxes, scores, 0.5)
    dets_gpu, keep_gpu = nms(boxes.cuda(), scores.cuda(), 0.5)
    assert torch.equal(keep_gpu.cpu(), keep_cpu)
    torch.testing.assert_close(dets_gpu.cpu(), dets_cpu)
    cfg = dict(type='nms', iou_threshold=0.6)
    dets_cpu, keep_cpu = batched_nms(boxes, scores, labels, cfg)
    dets_gpu, keep_gpu = batched_nms(boxes.cuda(), scores.cuda(),
                                     labels.cuda(), cfg)
    assert torch.equal(keep_gpu.cpu(), keep_cpu)


@requires_cuda_ops
def test_mmdet_roi_extractor_cuda_equals_cpu():
    """mmdet's SingleRoIExtractor (RoIAlign over P2..P5), as the Cascade
    R-CNN heads use it."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    extractor = MODELS.build(
        dict(type='SingleRoIExtractor',
             roi_layer=dict(type='RoIAlign', output_size=7,
                            sampling_ratio=0),
             out_channels=8, featmap_strides=[4, 8, 16, 32]))
    g = torch.Generator().manual_seed(2)
    feats = [torch.rand(2, 8, 200 // s, 304 // s, generator=g)
             for s in (4, 8, 16, 32)]
    rois = random_rois(g, 100, 2, 1216, 800)
    out_cpu = extractor(feats, rois)
    out_gpu = extractor.cuda()([f.cuda() for f in feats], rois.cuda())
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, atol=1e-5, rtol=1e-5)
