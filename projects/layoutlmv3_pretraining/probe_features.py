"""How much of a page's layout do a LayoutLMv3MM's states already hold?

Linear probes on frozen backbones: every image patch (the last block's
stride-16 map) and every text token (the last block's text states) is
labelled with the class of the ground-truth region under its centre
(``background`` elsewhere); a logistic regression fitted on the states of
training pages predicts those labels on held-out pages. The same probe on a
randomly initialised backbone (``scratch``) and on pre-training checkpoints
says whether pre-training made the states informative, apart from whether a
detector then learns from them.

Example (the text-decided pages of ``pretrain_synth.sh``)::

    EXP=projects/text_vs_image/configs
    python projects/layoutlmv3_pretraining/probe_features.py \\
        $EXP/layoutmm-tiny_cascade_synth-text-decided.py scratch=none \\
        pretrained=work_dirs/pretrain_synth/pretrain/iter_600.pth \\
        --cfg-options model.backbone.rel_pos_bias=False \\
        model.backbone.spatial_bias=False

Prints, per backbone and per kind of state, the held-out accuracy and the
balanced accuracy (mean recall over the classes present), beside the
majority-class baseline; then, per backbone and block, how many directions
the held-out pages' patch states use (:func:`effective_rank`): a
representation that collapsed onto a few directions has little left for a
detector to read.
"""
import argparse
import copy
from typing import Dict, Iterator, List, Tuple

import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from tqdm import tqdm

import mmlayout  # noqa: F401  registers mmlayout components
from mmlayout.utils import prepare_config

PATCH = 16


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a text-aware LayoutLMv3MM detector '
                        'config (its backbone, preprocessor and datasets)')
    parser.add_argument('backbones', nargs='+', metavar='NAME=CHECKPOINT',
                        help='backbones to probe; CHECKPOINT "none" for a '
                        'random initialisation (seed 0)')
    parser.add_argument('--train-pages', type=int, default=120,
                        help='training pages the probes are fitted on')
    parser.add_argument('--val-pages', type=int, default=60,
                        help='held-out pages the probes are scored on')
    parser.add_argument('--steps', type=int, default=300,
                        help='full-batch optimisation steps of each probe')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_datasets(cfg: Config, train_pages: int,
                   val_pages: int) -> Tuple[object, object]:
    """The config's val set and its training pages through the val
    pipeline (no random resizing), each cut to the first N pages."""
    val_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    train_cfg = copy.deepcopy(val_cfg)
    train_cfg.ann_file = cfg.train_dataloader.dataset.ann_file
    train_cfg.data_prefix = cfg.train_dataloader.dataset.data_prefix
    train_cfg.indices, val_cfg.indices = train_pages, val_pages
    return DATASETS.build(train_cfg), DATASETS.build(val_cfg)


def build_backbones(cfg: Config,
                    specs: List[str]) -> Iterator[Tuple[str, object]]:
    """The config's backbone once per ``NAME=CHECKPOINT`` spec (``none``:
    a random initialisation, seed 0), in eval mode, one at a time."""
    for spec in specs:
        name, _, checkpoint = spec.partition('=')
        if not checkpoint:
            raise SystemExit(f'{spec!r}: give backbones as NAME=CHECKPOINT')
        torch.manual_seed(0)
        backbone_cfg = copy.deepcopy(cfg.model.backbone)
        backbone_cfg.pretrained = None if checkpoint == 'none' else checkpoint
        backbone = MODELS.build(backbone_cfg)
        backbone.init_weights()
        yield name, backbone.eval()


def region_labels(centres: torch.Tensor, regions: torch.Tensor,
                  classes: torch.Tensor, background: int) -> torch.Tensor:
    """The class of the smallest region containing each point.

    Args:
        centres (Tensor): ``(N, 2)`` points ``x, y``.
        regions (Tensor): ``(R, 4)`` boxes ``x0, y0, x1, y1``, same frame.
        classes (Tensor): ``(R,)`` long class of each region.
        background (int): The label of points outside every region.

    Returns:
        Tensor: ``(N,)`` long labels.
    """
    if len(regions) == 0:
        return torch.full((len(centres), ), background, dtype=torch.long)
    x, y = centres[:, None, 0], centres[:, None, 1]
    inside = ((x >= regions[:, 0]) & (x < regions[:, 2]) &
              (y >= regions[:, 1]) & (y < regions[:, 3]))
    area = (regions[:, 2] - regions[:, 0]) * (regions[:, 3] - regions[:, 1])
    area = torch.where(inside, area, torch.full_like(area, float('inf')))
    smallest = area.argmin(dim=1)
    return torch.where(inside.any(dim=1), classes[smallest],
                       torch.full_like(smallest, background))


@torch.no_grad()
def collect_states(backbone, preprocessor, dataset, background: int,
                   desc: str) -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    """The last block's patch and text states of every page, with labels.

    Returns:
        dict: ``{'patches': (states (N, C), labels (N,)), 'tokens': ...}``,
        states on the 0-1000 page frame of each page's content.
    """
    states: Dict[str, List[torch.Tensor]] = {'patches': [], 'tokens': []}
    labels: Dict[str, List[torch.Tensor]] = {'patches': [], 'tokens': []}
    blocks: List[List[torch.Tensor]] = []
    for index in tqdm(range(len(dataset)), desc=desc, leave=False):
        batch = preprocessor(pseudo_collate([dataset[index]]), False)
        inputs, sample = batch['inputs'], batch['data_samples'][0]
        output = backbone(inputs.images, inputs.input_ids, inputs.bboxes,
                          inputs.attention_mask, inputs.valid_shapes)
        ori_h, ori_w = sample.ori_shape
        scale = torch.tensor([1000 / ori_w, 1000 / ori_h] * 2)
        regions = sample.gt_instances.bboxes
        regions = getattr(regions, 'tensor', regions).float() * scale
        classes = sample.gt_instances.labels.long()
        valid_h, valid_w = (int(v) for v in inputs.valid_shapes[0])
        rows, cols = valid_h // PATCH, valid_w // PATCH
        grids = [m[0, :, :rows, :cols].flatten(1).T for m in output]
        blocks = blocks or [[] for _ in grids]
        for block, grid in zip(blocks, grids):
            block.append(grid)  # (rows * cols, C)
        ys, xs = torch.meshgrid(
            (torch.arange(rows) + 0.5) * PATCH * 1000 / valid_h,
            (torch.arange(cols) + 0.5) * PATCH * 1000 / valid_w,
            indexing='ij')
        centres = torch.stack([xs.flatten(), ys.flatten()], dim=1)
        states['patches'].append(grids[-1])
        labels['patches'].append(
            region_labels(centres, regions, classes, background))
        # real tokens with a box: not <s>, </s> or padding
        boxes = inputs.bboxes[0].float()
        words = inputs.attention_mask[0].bool() & (boxes[:, 2:] >
                                                   boxes[:, :2]).all(dim=1)
        token_centres = (boxes[words, :2] + boxes[words, 2:]) / 2
        states['tokens'].append(output.text_states[-1][0, words])
        labels['tokens'].append(
            region_labels(token_centres, regions, classes, background))
    collected = {
        kind: (torch.cat(states[kind]), torch.cat(labels[kind]))
        for kind in states
    }
    collected['blocks'] = [torch.cat(block) for block in blocks]
    return collected


def effective_rank(states: torch.Tensor) -> Tuple[float, float]:
    """How many directions states use, each channel standardised first.

    Args:
        states (Tensor): ``(N, C)``.

    Returns:
        tuple[float, float]: The exponential of the entropy of the
        principal components' variance shares (1 when all variance lies on
        one direction, C when it spreads evenly), and the first component's
        share.
    """
    standard = (states - states.mean(0)) / (states.std(0) + 1e-6)
    shares = torch.linalg.svdvals(standard.double()).pow(2)
    shares = shares / shares.sum()
    entropy = -(shares * shares.clamp_min(1e-12).log()).sum()
    return float(entropy.exp()), float(shares[0])


def fit_probe(train: Tuple[torch.Tensor, torch.Tensor],
              val: Tuple[torch.Tensor, torch.Tensor], num_labels: int,
              steps: int) -> Dict[str, float]:
    """Logistic regression on standardised states (L-BFGS, small weight
    decay); held-out accuracy, balanced accuracy and the majority
    baseline, in percent."""
    torch.manual_seed(0)
    (x_train, y_train), (x_val, y_val) = train, val
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
    probe = torch.nn.Linear(x_train.shape[1], num_labels)
    optimizer = torch.optim.LBFGS(probe.parameters(), max_iter=steps,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(probe(x_train), y_train)
        loss = loss + 1e-4 * probe.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = probe(x_val).argmax(1)
    present = y_val.unique()
    recalls = [(predicted[y_val == c] == c).float().mean() for c in present]
    majority = torch.bincount(y_train, minlength=num_labels).argmax()
    return dict(
        accuracy=100 * float((predicted == y_val).float().mean()),
        balanced=100 * float(torch.stack(recalls).mean()),
        majority=100 * float((y_val == majority).float().mean()),
        train_points=len(y_train), val_points=len(y_val))


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = prepare_config(Config.fromfile(args.config), args.config,
                         cfg_options=args.cfg_options)
    train_set, val_set = build_datasets(cfg, args.train_pages,
                                        args.val_pages)
    num_classes = len(val_set.metainfo['classes'])
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    rows, spectra = [], []
    for name, backbone in build_backbones(cfg, args.backbones):
        train = collect_states(backbone, preprocessor, train_set,
                               num_classes, f'{name}: training pages')
        val = collect_states(backbone, preprocessor, val_set, num_classes,
                             f'{name}: held-out pages')
        for kind in ('patches', 'tokens'):
            scores = fit_probe(train[kind], val[kind], num_classes + 1,
                               args.steps)
            rows.append((name, kind, scores))
        spectra.append((name, [effective_rank(b) for b in val['blocks']]))
    print('| backbone | states | held-out accuracy (%) | balanced accuracy '
          '(%) | majority baseline (%) | points (fit / held out) |')
    print('|---|---|---:|---:|---:|---|')
    for name, kind, s in rows:
        print(f"| {name} | {kind} | {s['accuracy']:.1f} | "
              f"{s['balanced']:.1f} | {s['majority']:.1f} | "
              f"{s['train_points']} / {s['val_points']} |")
    blocks = len(spectra[0][1])
    print('\nEffective rank of the held-out patch states (first component\'s '
          'share of the variance), per output block:\n')
    print('| backbone | ' + ' | '.join(f'block {i}' for i in range(blocks)) +
          ' |')
    print('|---|' + '---:|' * blocks)
    for name, ranks in spectra:
        print(f'| {name} | ' + ' | '.join(f'{rank:.1f} ({share:.2f})'
                                          for rank, share in ranks) + ' |')


if __name__ == '__main__':
    main()
