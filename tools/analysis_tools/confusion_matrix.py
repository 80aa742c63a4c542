"""Confusion matrix of detections against COCO ground truth.

Matches each image's detections (score >= ``--score-thr``) to its
ground-truth regions greedily by descending score: a detection takes the
free region it overlaps most, whatever the two classes (so class
confusions show), if their IoU reaches ``--iou-thr``. Rows are the
ground-truth classes, columns the detected ones; the last row counts false
positives (detections matching no free region, duplicates included) and
the last column the missed regions. Crowd regions (``iscrowd``) are left
out. Prints the matrix and per-class precision, recall and F1, writes it as
CSV and, with matplotlib, as a PNG heatmap.

The first argument is a config (its ``test_evaluator.ann_file`` is the
ground truth) or a COCO annotation file. The results are either the COCO
JSON list ``[{"image_id", "category_id", "bbox": [x, y, w, h], "score"}]``
that ``CocoMetric`` writes with ``outfile_prefix`` (``<prefix>.bbox.json``),
or the ``.pkl`` of ``tools/test.py --out``, whose labels index the
config's classes (or, with an annotation file, its categories in order).

Example::

    python tools/test.py configs/demo/layoutmm-tiny_cascade_synth.py \
        work_dirs/tiny/iter_400.pth --out work_dirs/tiny/preds.pkl
    python tools/analysis_tools/confusion_matrix.py \
        configs/demo/layoutmm-tiny_cascade_synth.py work_dirs/tiny/preds.pkl \
        --out work_dirs/tiny/confusion.png
"""
import argparse
import csv
import json
import os.path as osp
import pickle
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlayout.utils.fonts import find_cjk_font

#: image id -> (boxes ``(N, 4)`` ``x0, y0, x1, y1``, labels ``(N,)``)
GroundTruth = Dict[int, Tuple[np.ndarray, np.ndarray]]
#: image id -> (boxes, labels, scores)
Detections = Dict[int, Tuple[np.ndarray, np.ndarray, np.ndarray]]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('ground_truth',
                        help='config (.py) or COCO annotation file (.json)')
    parser.add_argument('results',
                        help='COCO results (.json) or tools/test.py --out '
                        'predictions (.pkl)')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='lowest score of the detections counted')
    parser.add_argument('--iou-thr', type=float, default=0.5,
                        help='lowest IoU of a match')
    parser.add_argument(
        '--out',
        help='where to write FILE.csv and FILE.png (either extension '
        'given); default: beside the results, <results>_confusion')
    return parser.parse_args(argv)


def _field(item: dict, key: str, where: str):
    if not isinstance(item, dict) or key not in item:
        raise KeyError(f'{where}: field {key!r} is missing')
    return item[key]


def read_json(path: str):
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise ValueError(f'{path}: not valid JSON: {e}') from None


def xywh_to_xyxy(bbox, where: str) -> List[float]:
    """A COCO ``[x, y, w, h]`` box as ``[x0, y0, x1, y1]``."""
    if (not isinstance(bbox, list) or len(bbox) != 4
            or not all(isinstance(v, (int, float)) for v in bbox)):
        raise ValueError(f'{where}.bbox: expected [x, y, w, h], got {bbox!r}')
    x, y, w, h = bbox
    return [x, y, x + w, y + h]


def load_ground_truth(path: str) -> Tuple[List[str], List[int], GroundTruth]:
    """Class names, category ids (both in file order) and the regions of
    every image of a COCO annotation file."""
    coco = read_json(path)
    categories = _field(coco, 'categories', path)
    cat_ids = [_field(c, 'id', f'{path}: categories[{i}]')
               for i, c in enumerate(categories)]
    names = [str(_field(c, 'name', f'{path}: categories[{i}]'))
             for i, c in enumerate(categories)]
    index = {cat_id: i for i, cat_id in enumerate(cat_ids)}
    regions = {_field(image, 'id', f'{path}: images[{i}]'): ([], [])
               for i, image in enumerate(_field(coco, 'images', path))}
    for i, ann in enumerate(_field(coco, 'annotations', path)):
        where = f'{path}: annotations[{i}]'
        if ann.get('iscrowd', 0):
            continue
        image_id = _field(ann, 'image_id', where)
        category = _field(ann, 'category_id', where)
        if image_id not in regions:
            raise ValueError(f'{where}.image_id: no image {image_id!r}')
        if category not in index:
            raise ValueError(
                f'{where}.category_id: no category {category!r}')
        regions[image_id][0].append(
            xywh_to_xyxy(_field(ann, 'bbox', where), where))
        regions[image_id][1].append(index[category])
    return names, cat_ids, {
        image_id: (np.array(boxes, dtype=np.float64).reshape(-1, 4),
                   np.array(labels, dtype=np.int64))
        for image_id, (boxes, labels) in regions.items()
    }


def load_coco_results(path: str, cat_ids: Sequence[int],
                      images: Sequence[int]) -> Detections:
    """Detections of a COCO results JSON list, labels indexing
    ``cat_ids``."""
    results = read_json(path)
    if not isinstance(results, list):
        raise ValueError(f'{path}: expected a JSON list of detections, got '
                         f'{type(results).__name__}')
    index = {cat_id: i for i, cat_id in enumerate(cat_ids)}
    per_image = {image_id: ([], [], []) for image_id in images}
    for i, det in enumerate(results):
        where = f'{path}: [{i}]'
        image_id = _field(det, 'image_id', where)
        category = _field(det, 'category_id', where)
        if image_id not in per_image:
            raise ValueError(f'{where}.image_id: image {image_id!r} is not '
                             'in the ground truth')
        if category not in index:
            raise ValueError(f'{where}.category_id: category {category!r} '
                             'is not in the ground truth')
        boxes, labels, scores = per_image[image_id]
        boxes.append(xywh_to_xyxy(_field(det, 'bbox', where), where))
        labels.append(index[category])
        scores.append(float(_field(det, 'score', where)))
    return {
        image_id: (np.array(boxes, dtype=np.float64).reshape(-1, 4),
                   np.array(labels, dtype=np.int64),
                   np.array(scores, dtype=np.float64))
        for image_id, (boxes, labels, scores) in per_image.items()
    }


def load_dumped_predictions(path: str, label_to_class: Sequence[int],
                            images: Sequence[int]) -> Detections:
    """Detections of ``tools/test.py --out`` (mmdet's ``DumpDetResults``).

    Args:
        label_to_class: Index into the ground-truth categories of each of
            the model's labels.
    """
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    detections = {image_id: (np.zeros((0, 4)), np.zeros(0, np.int64),
                             np.zeros(0)) for image_id in images}
    lookup = np.asarray(label_to_class, dtype=np.int64)
    for i, sample in enumerate(samples):
        where = f'{path}: [{i}]'
        image_id = _field(sample, 'img_id', where)
        if image_id not in detections:
            raise ValueError(f'{where}.img_id: image {image_id!r} is not '
                             'in the ground truth')
        pred = _field(sample, 'pred_instances', where)
        labels = np.asarray(_field(pred, 'labels', where), dtype=np.int64)
        if len(labels) and labels.max() >= len(lookup):
            raise ValueError(f'{where}.pred_instances.labels: label '
                             f'{labels.max()} but {len(lookup)} classes')
        detections[image_id] = (
            np.asarray(_field(pred, 'bboxes', where), dtype=np.float64),
            lookup[labels],
            np.asarray(_field(pred, 'scores', where), dtype=np.float64))
    return detections


def box_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """``(N, M)`` IoU of two sets of ``x0, y0, x1, y1`` boxes."""
    low = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    high = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    overlap = np.clip(high - low, 0, None).prod(axis=2)
    area1 = np.clip(boxes1[:, 2:] - boxes1[:, :2], 0, None).prod(axis=1)
    area2 = np.clip(boxes2[:, 2:] - boxes2[:, :2], 0, None).prod(axis=1)
    union = area1[:, None] + area2[None, :] - overlap
    return overlap / np.maximum(union, np.finfo(np.float64).eps)


def match_image(matrix: np.ndarray, gt_boxes: np.ndarray,
                gt_labels: np.ndarray, det_boxes: np.ndarray,
                det_labels: np.ndarray, det_scores: np.ndarray,
                iou_thr: float) -> int:
    """Add one image's matches to ``matrix`` (in place).

    Returns:
        int: How many of the false positives overlap an already matched
        region by ``iou_thr`` or more (duplicates).
    """
    background = len(matrix) - 1
    order = np.argsort(-det_scores, kind='stable')
    ious = box_iou(det_boxes[order], gt_boxes)
    free = np.ones(len(gt_boxes), dtype=bool)
    duplicates = 0
    for row, label in zip(ious, det_labels[order]):
        best = int(np.argmax(np.where(free, row, -1))) if len(row) else -1
        if best >= 0 and free[best] and row[best] >= iou_thr:
            free[best] = False
            matrix[gt_labels[best], label] += 1
        else:
            matrix[background, label] += 1
            duplicates += bool((row >= iou_thr).any())
    np.add.at(matrix, (gt_labels[free], background), 1)
    return duplicates


def confusion_matrix(ground_truth: GroundTruth, detections: Detections,
                     num_classes: int, score_thr: float,
                     iou_thr: float) -> Tuple[np.ndarray, int]:
    """The ``(K + 1, K + 1)`` matrix over all images and the number of
    duplicate detections."""
    matrix = np.zeros((num_classes + 1, num_classes + 1), dtype=np.int64)
    duplicates = 0
    for image_id, (gt_boxes, gt_labels) in ground_truth.items():
        boxes, labels, scores = detections[image_id]
        keep = scores >= score_thr
        duplicates += match_image(matrix, gt_boxes, gt_labels, boxes[keep],
                                  labels[keep], scores[keep], iou_thr)
    return matrix, duplicates


def class_metrics(
        matrix: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall and F1 (NaN where undefined)."""
    correct = np.diag(matrix)[:-1].astype(np.float64)
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = correct / matrix[:, :-1].sum(axis=0)
        recall = correct / matrix[:-1].sum(axis=1)
        f1 = 2 * precision * recall / (precision + recall)
    f1[(precision == 0) & (recall == 0)] = 0
    return precision, recall, f1


def percent(value: float) -> str:
    return '-' if np.isnan(value) else f'{100 * value:.1f}'


def report(matrix: np.ndarray, names: Sequence[str], duplicates: int,
           settings: str) -> str:
    """The matrix, the per-class metrics and a summary as Markdown."""
    labels = [*names, 'background']
    lines = [f'confusion matrix ({settings}): rows ground truth, columns '
             'detections', '',
             '| GT \\ detected | ' + ' | '.join(labels) + ' |',
             '|---' * (len(labels) + 1) + '|']
    lines += [f'| {label} | ' + ' | '.join(map(str, row)) + ' |'
              for label, row in zip(labels, matrix)]
    precision, recall, f1 = class_metrics(matrix)
    lines += ['', '| class | GT | detections | correct | precision | recall '
              '| F1 |', '|---|---|---|---|---|---|---|']
    for k, name in enumerate(names):
        lines.append(
            f'| {name} | {matrix[k].sum()} | {matrix[:, k].sum()} | '
            f'{matrix[k, k]} | {percent(precision[k])} | '
            f'{percent(recall[k])} | {percent(f1[k])} |')
    regions = matrix[:-1].sum()
    matched = matrix[:-1, :-1].sum()
    right = np.trace(matrix[:-1, :-1])
    false_pos = matrix[-1, :-1].sum()
    lines += ['', f'{matched} of {regions} regions detected ({right} as '
              f'their class, {matched - right} as another), '
              f'{matrix[:-1, -1].sum()} missed; {false_pos} false positives '
              f'({duplicates} duplicates)']
    return '\n'.join(lines)


def write_csv(matrix: np.ndarray, names: Sequence[str], path: str) -> None:
    labels = [*names, 'background']
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['GT \\ detected', *labels])
        for label, row in zip(labels, matrix):
            writer.writerow([label, *row.tolist()])


def plot(matrix: np.ndarray, names: Sequence[str], path: str,
         settings: str) -> None:
    """Heatmap of the matrix, each row normalised to its ground truth."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    labels = [*names, 'background']
    font_path = find_cjk_font()
    font = FontProperties(fname=font_path) if font_path else None
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 2 + 0.6 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(shares, cmap='Blues', vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label='share of the row')
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xticklabels(labels, rotation=45, ha='right', fontproperties=font)
    ax.set_yticklabels(labels, fontproperties=font)
    ax.set_xlabel('detected')
    ax.set_ylabel('ground truth')
    ax.set_title(settings, fontsize=9)
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha='center', va='center', fontsize=8,
                    color='white' if shares[i, j] > 0.5 else 'black')
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def config_source(path: str) -> Tuple[str, Optional[List[str]]]:
    """The ground-truth file (``test_evaluator.ann_file``) and the class
    names of a config's test dataset."""
    from mmdet.registry import DATASETS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config

    import mmlayout  # noqa: F401  registers mmlayout datasets
    register_all_modules()
    cfg = Config.fromfile(path)
    evaluator = cfg.get('test_evaluator')
    if not isinstance(evaluator, dict) or not evaluator.get('ann_file'):
        raise KeyError(f'{path}: test_evaluator.ann_file is not set')
    dataset = cfg.test_dataloader.dataset
    classes = (dataset.get('metainfo') or {}).get('classes') or (
        DATASETS.get(dataset.type).METAINFO['classes'])
    return evaluator.ann_file, list(classes)


def main(argv=None) -> int:
    args = parse_args(argv)
    classes = None
    ann_file = args.ground_truth
    if ann_file.endswith('.py'):
        ann_file, classes = config_source(ann_file)
    names, cat_ids, ground_truth = load_ground_truth(ann_file)
    if args.results.endswith(('.pkl', '.pickle')):
        # mmdet: label i is the i-th category (file order) of the classes
        known = [k for k, name in enumerate(names)
                 if classes is None or name in classes]
        detections = load_dumped_predictions(args.results, known,
                                             list(ground_truth))
    else:
        detections = load_coco_results(args.results, cat_ids,
                                       list(ground_truth))
    matrix, duplicates = confusion_matrix(ground_truth, detections,
                                          len(names), args.score_thr,
                                          args.iou_thr)
    settings = (f'score >= {args.score_thr:g}, IoU >= {args.iou_thr:g}, '
                f'{len(ground_truth)} images')
    print(report(matrix, names, duplicates, settings))

    out = args.out or osp.splitext(args.results)[0] + '_confusion'
    if out.endswith(('.csv', '.png')):
        out = out[:-4]
    write_csv(matrix, names, out + '.csv')
    written = [out + '.csv']
    try:
        plot(matrix, names, out + '.png', settings)
        written.append(out + '.png')
    except ImportError:
        print('matplotlib is not installed: no heatmap')
    print(f'written: {", ".join(written)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
