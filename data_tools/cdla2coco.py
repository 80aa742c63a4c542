"""Convert CDLA's labelme annotations to COCO files for ``CDLADataset``.

CDLA ships one labelme JSON per image (``train/xxx.jpg`` + ``train/xxx.json``;
polygons, sometimes with more than four points; ``imageData`` is null). This
writes ``<out>/instances_<split>.json`` with CDLA's ten categories (ids 1..10,
no ``_background_``), a bbox, a polygon segmentation and the polygon's area per
shape.

Nothing is dropped silently: images without JSON, JSON files without image,
unknown labels, degenerate polygons (fewer than three distinct points or zero
area), shapes clipped to the image and size mismatches between the JSON and
the image are counted and listed in a summary (and in
``<out>/report_<split>.json``).

Example::

    python data_tools/cdla2coco.py data/CDLA_DATASET --splits train val \
        --out data/CDLA_DATASET/annotations
"""
import argparse
import json
import os
import os.path as osp
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image
from tqdm import tqdm

from mmlayout.datasets import CDLADataset

CLASSES = CDLADataset.METAINFO['classes']
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')
# labelme files of other tools sometimes differ in case or spacing only.
CANONICAL_LABELS = {name.lower(): name for name in CLASSES}


class ConversionReport:
    """What a conversion could not take over as it was, by kind."""

    def __init__(self):
        self.issues: Dict[str, List[str]] = defaultdict(list)
        self.unknown_labels: Counter = Counter()

    def add(self, kind: str, where: str) -> None:
        self.issues[kind].append(where)

    def to_dict(self) -> dict:
        return dict(
            issues={
                k: v
                for k, v in self.issues.items()
            },
            unknown_labels=dict(self.unknown_labels))

    def summary(self, max_listed: int = 5) -> str:
        if not self.issues:
            return 'no problems found'
        lines = []
        for kind, places in sorted(self.issues.items()):
            shown = ', '.join(places[:max_listed])
            more = f' (+{len(places) - max_listed} more)' if len(
                places) > max_listed else ''
            lines.append(f'  {kind}: {len(places)}  [{shown}{more}]')
        if self.unknown_labels:
            labels = ', '.join(
                f'{label!r} x{n}'
                for label, n in self.unknown_labels.most_common())
            lines.append(f'  unknown labels seen: {labels}')
        return '\n'.join(lines)


def polygon_area(points: np.ndarray) -> float:
    """Area of a simple polygon (N, 2) by the shoelace formula."""
    x, y = points[:, 0], points[:, 1]
    return float(
        abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def shape_polygon(shape: dict) -> Optional[np.ndarray]:
    """A labelme shape's outline as (N, 2) float points; None if unusable."""
    try:
        points = np.asarray(shape['points'], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return None
    if points.ndim != 2 or points.shape[1] != 2 or not np.isfinite(
            points).all():
        return None
    if shape.get('shape_type') == 'rectangle' and len(points) == 2:
        (x0, y0), (x1, y1) = points.min(0), points.max(0)
        points = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    return points


def image_size(path: str) -> Tuple[int, int]:
    with Image.open(path) as image:  # reads the header only
        return image.size


def convert_split(folder: str, report: ConversionReport) -> dict:
    """Convert one folder of images + labelme JSON files to a COCO dict."""
    files = sorted(os.listdir(folder))
    images = {
        osp.splitext(f)[0]: f
        for f in files if f.lower().endswith(IMAGE_EXTENSIONS)
    }
    jsons = {osp.splitext(f)[0] for f in files if f.endswith('.json')}
    for stem in sorted(jsons - images.keys()):
        report.add('json without image', f'{stem}.json')
    for stem in sorted(images.keys() - jsons):
        report.add('image without json (left out)', images[stem])

    coco_images, annotations = [], []
    for stem in tqdm(
            sorted(images.keys() & jsons), desc=osp.basename(folder),
            unit='page'):
        json_path = osp.join(folder, f'{stem}.json')
        try:
            with open(json_path, encoding='utf-8') as f:
                labelme = json.load(f)
            shapes = labelme['shapes']
        except (OSError, ValueError, KeyError, TypeError) as error:
            report.add('unreadable json (left out)',
                       f'{stem}.json: {type(error).__name__}: {error}')
            continue
        width, height = image_size(osp.join(folder, images[stem]))
        if (labelme.get('imageWidth'),
                labelme.get('imageHeight')) not in ((width, height), (None,
                                                                      None)):
            report.add('json size differs from image (image size used)',
                       f'{stem}.json')
        image_id = len(coco_images) + 1
        coco_images.append(
            dict(
                id=image_id,
                file_name=images[stem],
                width=width,
                height=height))
        for index, shape in enumerate(shapes):
            where = f'{stem}.json shape {index}'
            label = str(shape.get('label', '')).strip()
            category = CANONICAL_LABELS.get(label.lower())
            if category is None:
                report.unknown_labels[label] += 1
                report.add('unknown label (shape left out)',
                           f'{where} {label!r}')
                continue
            points = shape_polygon(shape)
            if points is None or len(np.unique(points, axis=0)) < 3:
                report.add('degenerate polygon (shape left out)', where)
                continue
            clipped = np.clip(points, 0, [width, height])
            if not np.array_equal(clipped, points):
                report.add('polygon clipped to the image', where)
            area = polygon_area(clipped)
            x0, y0 = clipped.min(0)
            x1, y1 = clipped.max(0)
            if area <= 0 or x1 <= x0 or y1 <= y0:
                report.add('degenerate polygon (shape left out)', where)
                continue
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=CLASSES.index(category) + 1,
                    bbox=[
                        float(x0),
                        float(y0),
                        float(x1 - x0),
                        float(y1 - y0)
                    ],
                    area=area,
                    iscrowd=0,
                    segmentation=[clipped.reshape(-1).round(2).tolist()]))
    return dict(
        info=dict(description=f'CDLA {osp.basename(folder)} '
                  '(converted by mmlayout data_tools/cdla2coco.py)'),
        images=coco_images,
        annotations=annotations,
        categories=[
            dict(id=i + 1, name=name, supercategory='layout')
            for i, name in enumerate(CLASSES)
        ])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert CDLA labelme JSON to COCO (10 categories).')
    parser.add_argument('root', help='CDLA folder holding the split folders')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['train', 'val'],
        help='split folders under root to convert')
    parser.add_argument(
        '--out', help='output folder (default: root/annotations)')
    return parser.parse_args(argv)


def main(argv=None) -> Dict[str, ConversionReport]:
    args = parse_args(argv)
    out = args.out or osp.join(args.root, 'annotations')
    missing = [s for s in args.splits if not osp.isdir(osp.join(args.root, s))]
    if missing:
        raise SystemExit(f'split folder(s) not found under {args.root}: '
                         f'{", ".join(missing)}')
    os.makedirs(out, exist_ok=True)
    reports = {}
    for split in args.splits:
        report = ConversionReport()
        coco = convert_split(osp.join(args.root, split), report)
        ann_file = osp.join(out, f'instances_{split}.json')
        with open(ann_file, 'w', encoding='utf-8') as f:
            json.dump(coco, f, ensure_ascii=False)
        with open(
                osp.join(out, f'report_{split}.json'), 'w',
                encoding='utf-8') as f:
            json.dump(report.to_dict(), f, ensure_ascii=False, indent=1)
        per_class = Counter(a['category_id'] for a in coco['annotations'])
        counts = ', '.join(f'{name}: {per_class[i + 1]}'
                           for i, name in enumerate(CLASSES))
        print(f'[{split}] {len(coco["images"])} images, '
              f'{len(coco["annotations"])} regions -> {ann_file}\n'
              f'  per class: {counts}\n{report.summary()}')
        reports[split] = report
    return reports


if __name__ == '__main__':
    main()
