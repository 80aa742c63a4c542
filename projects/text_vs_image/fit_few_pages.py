"""Can a detector fit a few fixed training pages? A quick learnability check.

A detector that cannot fit eight pages in a few dozen steps will not learn
the training set in 400 iterations, and the check costs minutes instead of
the better part of an hour. The script

1. prints the statistics of what the RoI heads read, at the start: per
   pyramid level the mean ``|x|``, the spatial and channel spreads; on the
   ground-truth boxes of the first two pages, the RoI features' mean
   ``|x|`` and spread across RoIs, and the first stage's shared-FC output
   norm (how fast a classifier on it moves under Adam) and spread;
2. trains the whole model on the first ``--pages`` training pages (batches
   of two drawn at random, the training pipeline's augmentation as it is),
   AdamW at the config's learning rate and weight decay, a linear warm-up
   over ``--warmup`` steps, gradients clipped as the config clips them;
3. prints, every ``--log-interval`` steps, the window's mean RPN
   classification loss and first stage's classification loss, accuracy and
   box loss (``~0.9`` classification loss at ~76 % accuracy is the
   background prior on the text-decided pages).

``--neck-gain G`` multiplies the neck's outputs by ``G`` (a test of
whether the size of the RoI features is what holds the heads back).

Example (the CNN baseline against the tiny LayoutLMv3's image-only twin,
and that twin from a pre-trained checkpoint)::

    C=projects/text_vs_image/configs
    python projects/text_vs_image/fit_few_pages.py \\
        $C/r18_cascade_synth-text-decided.py
    python projects/text_vs_image/fit_few_pages.py \\
        $C/layoutmm-tiny_cascade_synth-text-decided_image-only.py
    python projects/text_vs_image/fit_few_pages.py \\
        $C/layoutmm-tiny_cascade_synth-text-decided_image-only.py \\
        --cfg-options model.backbone.pretrained=CHECKPOINT \\
        model.backbone.rel_pos_bias=False model.backbone.spatial_bias=False
"""
import argparse
import time
from typing import Dict, List, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from torch import Tensor, nn

from mmlayout.utils import add_cfg_options_argument, prepare_config

LOGGED = ('loss_rpn_cls', 's0.loss_cls', 's0.acc', 's0.loss_bbox')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='detection config (two-stage, '
                        'Cascade R-CNN heads)')
    parser.add_argument('--pages', type=int, default=8,
                        help='the first PAGES training pages are fitted')
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--warmup', type=int, default=20,
                        help='linear warm-up from 10 %% of the lr')
    parser.add_argument('--neck-gain', type=float, default=1.0,
                        help="multiply the neck's outputs by this")
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--log-interval', type=int, default=10)
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def scale_outputs(module: nn.Module, gain: float):
    """Multiply the tuple of maps ``module`` returns by ``gain`` (a forward
    hook; returns its handle)."""

    def hook(_module, _inputs, outputs):
        return tuple(level * gain for level in outputs)

    return module.register_forward_hook(hook)


@torch.no_grad()
def roi_feature_stats(model: nn.Module, data: Dict) -> Dict[str, object]:
    """What the first cascade stage reads on the ground-truth boxes.

    Args:
        model: a two-stage detector whose ``roi_head`` has a list of RoI
            extractors and box heads with ``shared_fcs`` (Cascade R-CNN).
        data (dict): the data preprocessor's output for a batch.

    Returns:
        dict: ``levels``, one ``(mean |x|, spatial std, channel std)`` per
        pyramid level; ``roi_abs`` and ``roi_spread`` (mean over the
        features of their std across RoIs) of the ``(R, C, 7, 7)`` RoI
        features; ``fc_norm`` and ``fc_spread`` of the shared FCs' output.
    """
    from mmdet.structures.bbox import bbox2roi

    maps = model.extract_feat(data['inputs'])
    levels = [(float(m.abs().mean()), float(m.std(dim=(2, 3)).mean()),
               float(m.std(dim=1).mean())) for m in maps]
    rois = bbox2roi([s.gt_instances.bboxes for s in data['data_samples']])
    extractor = model.roi_head.bbox_roi_extractor[0]
    features = extractor(maps[:extractor.num_inputs], rois)
    head = model.roi_head.bbox_head[0]
    hidden = features.flatten(1)
    for fc in head.shared_fcs:
        hidden = head.relu(fc(hidden))
    return dict(
        levels=levels,
        roi_abs=float(features.abs().mean()),
        roi_spread=float(features.flatten(1).std(0).mean()),
        fc_norm=float(hidden.norm(dim=1).mean()),
        fc_spread=float(hidden.std(0).mean()))


def window_means(history: Dict[str, List[float]],
                 window: int) -> Dict[str, float]:
    """Mean of the last ``window`` values of each logged series."""
    return {
        key: sum(values[-window:]) / len(values[-window:])
        for key, values in history.items()
    }


def total_loss(losses: Dict[str, object]) -> Tensor:
    """Sum of every ``loss*`` entry (lists, as cascade stages log, summed)."""
    return sum(
        sum(value) if isinstance(value, (list, tuple)) else value
        for key, value in losses.items() if 'loss' in key)


def fit(model: nn.Module, dataset: Sequence, cfg: Config,
        args: argparse.Namespace):
    """Train on the first ``args.pages`` pages; yields ``(step, seconds,
    window means)`` every ``args.log_interval`` steps."""
    optimizer_cfg = cfg.optim_wrapper.optimizer
    lr = float(optimizer_cfg.get('lr', 4e-4))
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr,
        weight_decay=float(optimizer_cfg.get('weight_decay', 0.05)))
    max_norm = (cfg.optim_wrapper.get('clip_grad') or {}).get('max_norm')
    generator = torch.Generator().manual_seed(args.seed)
    history: Dict[str, List[float]] = {}
    start = time.time()
    for step in range(args.steps):
        for group in optimizer.param_groups:
            group['lr'] = lr * min(1., 0.1 + 0.9 * step / max(1, args.warmup))
        pages = torch.randint(args.pages, (2, ), generator=generator)
        data = model.data_preprocessor(
            pseudo_collate([dataset[i] for i in pages.tolist()]), True)
        losses = model(**data, mode='loss')
        optimizer.zero_grad()
        total_loss(losses).backward()
        if max_norm:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        for key in LOGGED:
            if key in losses:
                value = losses[key]
                value = (sum(value)
                         if isinstance(value, (list, tuple)) else value)
                history.setdefault(key, []).append(float(value.detach()))
        if (step + 1) % args.log_interval == 0:
            yield step + 1, time.time() - start, window_means(
                history, args.log_interval)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdet.registry import DATASETS, MODELS
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, '/tmp/fit_few_pages', args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(args.seed)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if len(dataset) < args.pages:
        raise SystemExit(f'{args.config}: the training set has '
                         f'{len(dataset)} pages, fewer than --pages '
                         f'{args.pages}')
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    if args.neck_gain != 1:
        scale_outputs(model.neck, args.neck_gain)

    stats = roi_feature_stats(
        model, model.data_preprocessor(
            pseudo_collate([dataset[0], dataset[1]]), True))
    for level, (mean_abs, spatial, channel) in enumerate(stats['levels']):
        print(f'P{level}: mean |x| {mean_abs:.3f}, spatial std '
              f'{spatial:.3f}, channel std {channel:.3f}')
    print(f"RoI features on the ground truth: mean |x| "
          f"{stats['roi_abs']:.3f}, std across RoIs "
          f"{stats['roi_spread']:.3f}; shared-FC output norm "
          f"{stats['fc_norm']:.2f}, std across RoIs {stats['fc_spread']:.4f}")
    for step, seconds, means in fit(model, dataset, cfg, args):
        print(f'step {step:4d} ({seconds:.0f} s): ' + ', '.join(
            f'{key} {value:.3f}' for key, value in means.items()), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
