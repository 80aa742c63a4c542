"""mmcv's RoIAlign and nms given strided tensors
(mmlayout.utils.mmcv_contiguous): the same outputs and gradients as for
their contiguous copies, also on LayoutLMv3MM's own feature maps."""
import torch
from mmcv.ops import RoIAlign, nms
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor

import mmlayout  # noqa: F401  wraps the mmcv ops
from helpers.models import TINY_ARCH
from mmlayout.models import LayoutLMv3MM, SimpleFeaturePyramid


def channels_last(tensor):
    """The same values as ``tensor`` (N, C, H, W), channels-last in memory."""
    return tensor.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)


def random_rois(count, generator, extent):
    corner = torch.rand(count, 2, generator=generator) * extent * 0.8
    size = torch.rand(count, 2, generator=generator) * extent * 0.5 + 2
    index = torch.randint(0, 2, (count, 1), generator=generator).float()
    return torch.cat([index, corner, corner + size], dim=1)


def test_roi_align_reads_a_strided_map_as_its_contiguous_copy():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(2, 16, 40, 30, generator=generator)
    rois = random_rois(24, generator, extent=120.)
    roi_align = RoIAlign((7, 7), spatial_scale=0.25, sampling_ratio=0)
    strided = channels_last(features).requires_grad_()
    dense = features.clone().requires_grad_()
    assert not strided.is_contiguous()
    output = roi_align(strided, rois)
    expected = roi_align(dense, rois)
    assert expected.abs().mean() > 0.1
    torch.testing.assert_close(output, expected, rtol=0, atol=0)
    grad = torch.randn(expected.shape, generator=generator)
    output.backward(channels_last(grad))  # a strided gradient too
    expected.backward(grad)
    assert dense.grad.abs().sum() > 0
    torch.testing.assert_close(strided.grad, dense.grad, rtol=0, atol=0)


def test_nms_keeps_the_same_boxes_given_strided_boxes_and_scores():
    generator = torch.Generator().manual_seed(0)
    boxes = random_rois(300, generator, extent=100.)[:, 1:]
    scores = torch.rand(600, generator=generator)
    strided_boxes = boxes.t().contiguous().t()
    assert not strided_boxes.is_contiguous()
    dets, keep = nms(strided_boxes, scores[::2], 0.5)
    expected_dets, expected_keep = nms(boxes, scores[::2].contiguous(), 0.5)
    assert 20 < len(expected_keep) < 300
    assert torch.equal(keep, expected_keep)
    assert torch.equal(dets, expected_dets)


def test_rois_on_layoutlmv3_maps_match_their_contiguous_copies():
    """The case that broke: LayoutLMv3MM's maps through the pyramid are
    channels-last; the RoI features on them must not depend on that."""
    torch.manual_seed(0)
    backbone = LayoutLMv3MM(
        arch_cfg=dict(TINY_ARCH, num_layers=4), out_indices=(0, 1, 2, 3),
        rel_pos_bias=False, spatial_bias=False).eval()
    neck = SimpleFeaturePyramid(in_channels=64, out_channels=32,
                                num_outs=4).eval()
    extractor = SingleRoIExtractor(
        roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
        out_channels=32, featmap_strides=[4, 8, 16, 32])
    images = torch.randn(2, 3, 128, 96)
    with torch.no_grad():
        maps = neck(tuple(backbone(images)))[:4]
    assert not all(level.is_contiguous() for level in maps), \
        'the maps are contiguous now: this test no longer covers the case'
    rois = random_rois(32, torch.Generator().manual_seed(1), extent=96.)
    with torch.no_grad():
        output = extractor(maps, rois)
        expected = extractor([level.contiguous() for level in maps], rois)
    assert expected.abs().mean() > 0.01
    torch.testing.assert_close(output, expected, rtol=0, atol=0)
