"""How large are a dataset's regions, and the gaps between them, in backbone
cells at a given input scale?

A ViT backbone sees a page as a grid of patches (16 x 16 pixels for
LayoutLMv3). A region shorter than one patch, or a gap between two regions
narrower than one, is below the grid's resolution: a model trained from
scratch has to learn sub-patch detail before it can place such boxes. This
prints, for each test short side, the region heights per class after
mmdet's ``Resize(scale=(long_side, short_side), keep_ratio=True)``, the share
of regions shorter than one and two cells, and the vertical gaps between a
region and the nearest region below it that overlaps it horizontally.

Example::

    python tools/analysis_tools/region_scale.py \
        data/synth_text_decided/val/annotations.json --short-side 384 768
"""
import argparse
import json
import sys
from collections import defaultdict
from typing import Dict, List

import numpy as np


def resize_factor(height: float, width: float, short_side: int,
                  long_side: int) -> float:
    """mmdet's keep-ratio rescale factor for ``scale=(long_side,
    short_side)``."""
    return min(long_side / max(height, width), short_side / min(height, width))


def vertical_gaps(boxes: np.ndarray) -> np.ndarray:
    """For every box ``(x, y, w, h)``, the gap down to the nearest box that
    starts below its bottom and overlaps it horizontally.

    Args:
        boxes (np.ndarray): ``(N, 4)`` COCO boxes of one image.

    Returns:
        np.ndarray: ``(M,)`` gaps in pixels, one for each box with such a
        neighbour (``M <= N``).
    """
    if len(boxes) < 2:
        return np.zeros(0)
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    gap = y0[None, :] - y1[:, None]  # [a, b]: from a's bottom to b's top
    overlap = (np.minimum(x1[:, None], x1[None, :]) -
               np.maximum(x0[:, None], x0[None, :]))
    below = (gap >= 0) & (overlap > 0)
    gap = np.where(below, gap, np.inf).min(axis=1)
    return gap[np.isfinite(gap)]


def region_scale(coco: dict, short_side: int, long_side: int) -> Dict:
    """Heights per class and vertical gaps, in pixels after the resize.

    Returns:
        dict: ``heights`` (class name -> array of heights) and ``gaps``
        (array).
    """
    if not coco['annotations']:
        raise ValueError('"annotations" is empty')
    images = {image['id']: image for image in coco['images']}
    names = {cat['id']: cat['name'] for cat in coco['categories']}
    boxes_of = defaultdict(list)
    heights = defaultdict(list)
    for ann in coco['annotations']:
        image = images.get(ann['image_id'])
        if image is None or ann['category_id'] not in names:
            field, value = (('image_id', ann['image_id']) if image is None
                            else ('category_id', ann['category_id']))
            raise ValueError(f'annotation {ann.get("id")}: {field} {value} '
                             'is not in the file')
        factor = resize_factor(image['height'], image['width'], short_side,
                               long_side)
        box = np.asarray(ann['bbox'], dtype=float) * factor
        boxes_of[ann['image_id']].append(box)
        heights[names[ann['category_id']]].append(box[3])
    gaps = [vertical_gaps(np.stack(boxes)) for boxes in boxes_of.values()]
    return dict(
        heights={name: np.asarray(values)
                 for name, values in heights.items()},
        gaps=np.concatenate(gaps) if gaps else np.zeros(0))


def report(stats: Dict, short_side: int, stride: int) -> List[str]:
    """Markdown lines: per class and overall."""
    lines = [
        f'short side {short_side}, cells of {stride} px',
        '',
        '| class | regions | median height (px) | median height (cells) '
        '| < 1 cell | < 2 cells |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    everything = []
    for name, heights in stats['heights'].items():
        everything.append(heights)
        lines.append(_row(name, heights, stride))
    lines.append(_row('all', np.concatenate(everything), stride))
    gaps = stats['gaps']
    if len(gaps):
        p10, median, p90 = np.percentile(gaps, (10, 50, 90))
        lines += [
            '',
            f'vertical gaps to the next region below ({len(gaps)}): '
            f'median {median:.1f} px ({median / stride:.2f} cells), '
            f'10th percentile {p10:.1f} px, 90th {p90:.1f} px; '
            f'{np.mean(gaps < stride):.0%} narrower than one cell'
        ]
    return lines


def _row(name: str, heights: np.ndarray, stride: int) -> str:
    median = float(np.median(heights))
    return (f'| {name} | {len(heights)} | {median:.1f} | '
            f'{median / stride:.2f} | {np.mean(heights < stride):.0%} | '
            f'{np.mean(heights < 2 * stride):.0%} |')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('ann_file', help='COCO annotations (JSON)')
    parser.add_argument(
        '--short-side', type=int, nargs='+', default=[800],
        help='test short sides of Resize (default: 800, the recipe)')
    parser.add_argument('--long-side', type=int, default=1333)
    parser.add_argument(
        '--stride', type=int, default=16,
        help='input pixels per backbone cell (LayoutLMv3 patches: 16)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        with open(args.ann_file, encoding='utf-8') as f:
            coco = json.load(f)
        missing = [key for key in ('images', 'annotations', 'categories')
                   if key not in coco]
        if missing:
            raise ValueError(f'no {missing} field: not COCO annotations')
        for short_side in args.short_side:
            stats = region_scale(coco, short_side, args.long_side)
            print('\n'.join(report(stats, short_side, args.stride)) + '\n')
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f'{args.ann_file}: {error}')


if __name__ == '__main__':
    main()
