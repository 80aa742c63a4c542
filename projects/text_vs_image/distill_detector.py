"""Start a LayoutLMv3 detector from a trained image-only detector.

The published text-aware detector starts from pre-trained weights: an image
model the zero-initialised text fusion does not disturb at first. The tiny
demo model has none. (That it did not learn from scratch on a CPU was
mmcv's CPU RoIAlign misreading its channels-last maps, fixed since
(mmlayout/utils/mmcv_contiguous.py); from scratch it now reaches about 13
bbox mAP in the 400-iteration schedule, README.md.)
This script makes the missing starting point from a detector that does
learn on a CPU, the CNN baseline (the teacher):

1. the student's backbone and neck learn to reproduce the teacher's feature
   pyramid (every level, image only, on the training pages of the student
   config): the mean squared error per level divided by the variance of
   the teacher's level (1.0 is what a constant prediction gives);
2. the teacher's RPN and RoI heads are copied into the student wherever a
   tensor has the same name and shape (the demo model's heads are the CNN
   baseline's).

The result holds ``backbone.*``, ``neck.*``, ``rpn_head.*`` and
``roi_head.*``: give it to a detection config as ``load_from``. Modules it
lacks keep their own initialisation: the text embeddings and attention-bias
tables of a text-aware model (the student is image-only) and its fusion,
whose gate starts at zero, so both twins of a text-vs-image comparison
start as the same image-only detector.

Example (the CNN baseline as teacher, the image-only twin as student)::

    P=projects/text_vs_image
    python $P/distill_detector.py \\
        $P/configs/layoutmm-tiny_cascade_synth-text-decided_image-only.py \\
        $P/configs/r18_cascade_synth-text-decided.py \\
        work_dirs/synth_text_vs_image/cnn_baseline/iter_400.pth \\
        --out work_dirs/synth_text_vs_image/distilled.pth
"""
import argparse
import itertools
import math
import os.path as osp
import sys
import time
from typing import Dict, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from mmlayout.utils import (add_cfg_options_argument, prepare_config,
                            use_atomic_local_files)

COPIED_MODULES = ('rpn_head.', 'roi_head.')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('student_config',
                        help='detection config with a LayoutLMv3MM '
                        'backbone; its train_dataloader feeds both models')
    parser.add_argument('teacher_config')
    parser.add_argument('teacher_checkpoint')
    parser.add_argument('--out', required=True,
                        help='checkpoint to write')
    parser.add_argument('--iters', type=int, default=500)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--weight-decay', type=float, default=0.05)
    parser.add_argument('--warmup', type=int, default=30,
                        help='linear warm-up iterations, then cosine decay')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--log-interval', type=int, default=20)
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def valid_cell_mask(valid_shapes: Tensor, grid: Sequence[int],
                    stride: int) -> Tensor:
    """``(B, 1, H, W)`` float mask of the cells of a stride-``stride`` grid
    that hold page content, from ``(B, 2)`` valid ``(h, w)`` in pixels (a
    partly covered cell counts)."""
    cells = torch.div(valid_shapes + stride - 1, stride, rounding_mode='floor')
    rows = torch.arange(grid[0], device=valid_shapes.device)[None, :, None]
    cols = torch.arange(grid[1], device=valid_shapes.device)[None, None, :]
    inside = ((rows < cells[:, 0, None, None]) &
              (cols < cells[:, 1, None, None]))
    return inside[:, None].float()


def pyramid_loss(student: Sequence[Tensor], teacher: Sequence[Tensor],
                 valid_shapes: Tensor, canvas_height: int) -> Tensor:
    """Mean over levels of the masked MSE divided by the variance of the
    teacher's level over its valid cells.

    Args:
        student, teacher (Sequence[Tensor]): ``(B, C, H_l, W_l)`` per level,
            the same shapes.
        valid_shapes (Tensor): ``(B, 2)`` valid ``(h, w)`` in pixels.
        canvas_height (int): Padded input height (gives each level's
            stride).
    """
    if len(student) != len(teacher):
        raise ValueError(f'the student has {len(student)} pyramid levels, '
                         f'the teacher {len(teacher)}')
    losses = []
    for level, (ours, target) in enumerate(zip(student, teacher)):
        if ours.shape != target.shape:
            raise ValueError(f'pyramid level {level}: student map '
                             f'{tuple(ours.shape)}, teacher map '
                             f'{tuple(target.shape)}')
        stride = max(1, round(canvas_height / target.shape[-2]))
        mask = valid_cell_mask(valid_shapes, target.shape[-2:], stride)
        count = mask.sum() * target.shape[1]
        mean = (target * mask).sum() / count
        variance = ((target - mean)**2 * mask).sum() / count
        error = ((ours - target)**2 * mask).sum() / count
        losses.append(error / variance.clamp(min=1e-8))
    return torch.stack(losses).mean()


def copy_matching(student: nn.Module, teacher: nn.Module,
                  prefixes: Tuple[str, ...] = COPIED_MODULES) -> int:
    """Copy the teacher's tensors under ``prefixes`` into the student where
    name and shape match; returns how many were copied."""
    own = student.state_dict()
    matching = {
        key: value
        for key, value in teacher.state_dict().items()
        if key.startswith(prefixes) and key in own
        and own[key].shape == value.shape
    }
    student.load_state_dict(matching, strict=False)
    return len(matching)


def build_models(args):
    from mmdet.apis import init_detector
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(args.student_config)
    prepare_config(cfg, args.student_config, '/tmp/distill_detector',
                   args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    student = MODELS.build(cfg.model)
    if type(student.backbone).__name__ != 'LayoutLMv3MM':
        sys.exit(f'{args.student_config}: model.backbone must be a '
                 f'LayoutLMv3MM, got {type(student.backbone).__name__}')
    if not osp.isfile(args.teacher_checkpoint):
        sys.exit(f'teacher checkpoint {args.teacher_checkpoint} not found')
    student.init_weights()
    teacher = init_detector(
        args.teacher_config, args.teacher_checkpoint, device='cpu')
    teacher.eval().requires_grad_(False)
    return cfg, student, teacher


def distil_step(student, teacher, data: Dict) -> Tensor:
    """The pyramid loss of one batch (image only)."""
    with torch.no_grad():
        teacher_inputs = teacher.data_preprocessor(data, False)['inputs']
        targets = teacher.extract_feat(teacher_inputs)
    processed = student.data_preprocessor(data, True)
    inputs = processed['inputs'].images
    if inputs.shape[-2:] != teacher_inputs.shape[-2:]:
        sys.exit(f'student and teacher pad the batch differently '
                 f'({tuple(inputs.shape[-2:])} vs '
                 f'{tuple(teacher_inputs.shape[-2:])}): give both '
                 'data preprocessors the same pad_size_divisor')
    valid_shapes = processed['inputs'].valid_shapes
    pyramid = student.neck(student.backbone(inputs, valid_shapes=valid_shapes))
    return pyramid_loss(pyramid, targets, valid_shapes, inputs.shape[-2])


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    from mmengine.runner import Runner, save_checkpoint
    cfg, student, teacher = build_models(args)
    copied = copy_matching(student, teacher)
    if copied == 0:
        sys.exit('no RPN or RoI head tensor of the teacher matches the '
                 "student's (names and shapes): nothing to start the heads "
                 'from')
    print(f'copied {copied} RPN and RoI head tensors from the teacher')
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=args.seed)
    params = [
        p for module in (student.backbone, student.neck)
        for p in module.parameters()
    ]
    optimizer = torch.optim.AdamW(
        params, lr=args.lr, weight_decay=args.weight_decay)

    def lr_factor(step: int) -> float:
        if step < args.warmup:
            return (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.iters - args.warmup)
        return 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    student.train()
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    start, window = time.time(), []
    for step, data in enumerate(itertools.islice(batches, args.iters)):
        loss = distil_step(student, teacher, data)
        if not torch.isfinite(loss):
            sys.exit(f'iteration {step + 1}: the distillation loss is '
                     f'{loss.item()}')
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()
        scheduler.step()
        window.append(loss.item())
        if (step + 1) % args.log_interval == 0 or step + 1 == args.iters:
            print(f'iter {step + 1}/{args.iters}  loss '
                  f'{sum(window) / len(window):.4f}  '
                  f'{(time.time() - start) / (step + 1):.2f} s/it',
                  flush=True)
            window = []

    use_atomic_local_files()
    state = {
        key: value
        for key, value in student.state_dict().items()
        if key.startswith(('backbone.', 'neck.') + COPIED_MODULES)
    }
    save_checkpoint(
        {
            'state_dict': state,
            'meta': dict(
                dataset_meta=getattr(teacher, 'dataset_meta', None),
                teacher_checkpoint=osp.abspath(args.teacher_checkpoint),
                student_config=osp.abspath(args.student_config),
                iters=args.iters,
                final_loss=loss.item())
        }, args.out)
    print(f'wrote {args.out} ({len(state)} tensors)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
