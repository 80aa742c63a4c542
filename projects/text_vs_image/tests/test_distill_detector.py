import os.path as osp

import pytest
import torch
from torch import nn

from projects.text_vs_image import distill_detector
from projects.text_vs_image.distill_detector import (copy_matching,
                                                     pyramid_loss,
                                                     valid_cell_mask)

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ROOT = osp.dirname(osp.dirname(PROJECT))
CNN = osp.join(ROOT, 'configs', 'demo', 'r18_cascade_synth.py')
CONFIGS = osp.join(PROJECT, 'configs')


def test_valid_cell_mask_counts_partly_covered_cells():
    mask = valid_cell_mask(torch.tensor([[32, 48], [17, 16]]), (3, 4), 16)
    assert mask.shape == (2, 1, 3, 4)
    assert mask[0, 0].tolist() == [[1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]
    assert mask[1, 0].tolist() == [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]


def test_pyramid_loss_is_relative_to_the_teachers_variance_on_content():
    torch.manual_seed(0)
    # Two levels of a 64x64 canvas (strides 8 and 16); the second image
    # has content in its top-left 32x48 pixels only.
    teacher = [torch.randn(2, 3, 8, 8) * 5 + 2, torch.randn(2, 3, 4, 4)]
    valid_shapes = torch.tensor([[64, 64], [32, 48]])
    padding = 1 - valid_cell_mask(valid_shapes, (8, 8), 8)
    # Anything in the padding is ignored.
    noisy_padding = [teacher[0] + 100 * padding, teacher[1].clone()]
    assert pyramid_loss(noisy_padding, teacher, valid_shapes,
                        64).item() == pytest.approx(0, abs=1e-6)
    # Predicting the mean of the valid cells costs 1.0 per level.
    means = []
    for level, stride in zip(teacher, (8, 16)):
        mask = valid_cell_mask(valid_shapes, level.shape[-2:], stride)
        means.append(torch.full_like(level, float(
            (level * mask).sum() / (mask.sum() * level.shape[1]))))
    assert pyramid_loss(means, teacher, valid_shapes,
                        64).item() == pytest.approx(1.0, rel=1e-5)
    with pytest.raises(ValueError, match='pyramid level 1'):
        pyramid_loss([teacher[0], teacher[1][..., :2]], teacher,
                     valid_shapes, 64)
    with pytest.raises(ValueError, match='2 pyramid levels, the teacher 1'):
        pyramid_loss(teacher, teacher[:1], valid_shapes, 64)


def test_copy_matching_takes_heads_of_the_same_name_and_shape():

    def model(width):
        module = nn.Module()
        module.backbone = nn.Linear(2, 2)
        module.rpn_head = nn.Linear(3, 3)
        module.roi_head = nn.Linear(4, width)
        return module

    student, teacher = model(5), model(6)
    student_roi = student.roi_head.weight.clone()
    student_backbone = student.backbone.weight.clone()
    assert copy_matching(student, teacher) == 2  # rpn_head weight and bias
    assert torch.equal(student.rpn_head.weight, teacher.rpn_head.weight)
    assert torch.equal(student.roi_head.weight, student_roi)
    assert torch.equal(student.backbone.weight, student_backbone)


def test_the_student_must_be_a_layoutlmv3mm(tmp_path):
    with pytest.raises(SystemExit, match='must be a LayoutLMv3MM'):
        distill_detector.main([CNN, CNN, str(tmp_path / 'teacher.pth'),
                               '--out', str(tmp_path / 'out.pth')])


def test_distil_then_start_the_text_aware_twin(synth_root, tmp_path):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    init_default_scope('mmdet')
    teacher = MODELS.build(Config.fromfile(CNN).model)
    teacher_checkpoint = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, teacher_checkpoint)

    out = str(tmp_path / 'start.pth')
    student = osp.join(CONFIGS,
                       'layoutmm-tiny_cascade_synth-text-decided_image-only.py')
    assert distill_detector.main([
        student, CNN, teacher_checkpoint, '--out', out, '--iters', '2',
        '--log-interval', '1', '--cfg-options',
        f'train_dataloader.dataset.data_root={synth_root}/',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ]) == 0
    checkpoint = torch.load(out, map_location='cpu', weights_only=True)
    state = checkpoint['state_dict']
    assert checkpoint['meta']['iters'] == 2
    assert {key.split('.')[0] for key in state} == {
        'backbone', 'neck', 'rpn_head', 'roi_head'}
    for key, value in teacher.state_dict().items():
        if key.startswith(('rpn_head.', 'roi_head.')):
            assert torch.equal(state[key], value), key

    # The text-aware twin takes every tensor; only its text embeddings,
    # attention-bias tables and fusion keep their own initialisation.
    text = MODELS.build(Config.fromfile(osp.join(
        CONFIGS, 'layoutmm-tiny_cascade_synth-text-decided.py')).model)
    load_checkpoint(text, out, map_location='cpu')
    own = text.state_dict()
    for key, value in state.items():
        assert torch.equal(own[key], value), key
    assert sorted({'.'.join(key.split('.')[:2])
                   for key in set(own) - set(state)}) == [
                       'backbone.attn_bias', 'backbone.text_embed',
                       'fusion.gate', 'fusion.text_projs'
                   ]
