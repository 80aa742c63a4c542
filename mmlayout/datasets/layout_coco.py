"""LayoutCocoDataset: mmdet's CocoDataset that refuses broken COCO files.

pycocotools indexes images and annotations by id: a repeated id silently
replaces the earlier entry, and mmdet silently drops annotations of unknown
images and boxes it cannot use. On a layout dataset built by converters and
scripts, each of these hides a bug (two pages merged, regions lost).
"""
import math
from collections import Counter
from typing import List

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.registry import DATASETS
from mmengine.logging import print_log

#: How many offending ids an error message lists.
_SHOWN = 5


def _repeated(ids) -> List:
    return [key for key, count in Counter(ids).items() if count > 1]


def check_coco(dataset: dict, path: str) -> None:
    """Raise a ValueError naming the file and the field for a COCO file
    whose ids repeat, whose annotations point to missing images or
    categories, or whose boxes are not 4 finite numbers; warn (with counts)
    about boxes with no area, which mmdet skips.

    Args:
        dataset (dict): The parsed COCO file (``COCO.dataset``).
        path (str): Its path, for the messages.
    """
    images = dataset.get('images') or []
    annotations = dataset.get('annotations') or []
    categories = dataset.get('categories') or []
    for field, items in (('images', images), ('annotations', annotations),
                         ('categories', categories)):
        repeated = _repeated(item.get('id') for item in items)
        if repeated:
            raise ValueError(
                f'{path}: field {field!r}: {len(repeated)} ids occur more '
                f'than once (e.g. {repeated[:_SHOWN]}); each must be unique')
    for key, field, items in (('image_id', 'images', images),
                              ('category_id', 'categories', categories)):
        known = {item['id'] for item in items}
        orphans = [a['id'] for a in annotations if a.get(key) not in known]
        if orphans:
            raise ValueError(
                f'{path}: field \'annotations\': {len(orphans)} annotations '
                f'refer to {key.split("_")[0]} ids not in {field!r} '
                f'(annotation ids {orphans[:_SHOWN]})')
    empty = []
    for annotation in annotations:
        box = annotation.get('bbox')
        if not (isinstance(box, list) and len(box) == 4 and all(
                isinstance(v, (int, float)) and math.isfinite(v)
                for v in box)):
            raise ValueError(
                f'{path}: annotation {annotation["id"]}: field \'bbox\': '
                f'expected [x, y, w, h] of 4 finite numbers, got {box!r}')
        if box[2] < 1 or box[3] < 1:
            empty.append(annotation['id'])
    if empty:
        print_log(
            f'{path}: {len(empty)} annotations have a box narrower or '
            f'lower than 1 pixel and are skipped (annotation ids '
            f'{empty[:_SHOWN]})',
            logger='current',
            level=30)


class CheckedCOCO(COCO):
    """mmdet's COCO API that runs :func:`check_coco` on the parsed file
    before indexing it (where repeated ids would overwrite each other)."""

    def __init__(self, annotation_file=None) -> None:
        self.annotation_file = annotation_file
        super().__init__(annotation_file)

    def createIndex(self) -> None:  # noqa: N802 - pycocotools' name
        if self.dataset:
            check_coco(self.dataset, self.annotation_file)
        super().createIndex()


@DATASETS.register_module()
class LayoutCocoDataset(CocoDataset):
    """A COCO dataset of document pages, checked when loaded.

    Use it for any layout dataset in COCO form with ``metainfo=dict(
    classes=...)``; :class:`CDLADataset` and :class:`PubLayNetDataset` are
    it with their classes. See :func:`check_coco` for what is refused.
    """

    COCOAPI = CheckedCOCO
