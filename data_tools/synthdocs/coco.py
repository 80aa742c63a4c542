"""Class schemes and the COCO annotation file of a run."""
from typing import Iterable, List, Tuple

from mmlayout.datasets import CDLADataset, PubLayNetDataset

from .canvas import Box, Region

CDLA_CLASSES = CDLADataset.METAINFO['classes']
PUBLAYNET_CLASSES = PubLayNetDataset.METAINFO['classes']
# How CDLA's region kinds are annotated in PubLayNet's scheme; None: not
# annotated. PubLayNet annotates a whole reference list as one `list`.
CDLA_TO_PUBLAYNET = {
    'Text': 'text',
    'Title': 'title',
    'Figure': 'figure',
    'Figure caption': 'text',
    'Table': 'table',
    'Table caption': 'text',
    'Header': None,
    'Footer': None,
    'Reference': 'list',
    'Equation': 'text'
}


def regions_to_scheme(regions: List[Region],
                      classes: str) -> List[Tuple[str, Box]]:
    """Map CDLA-labelled regions to the chosen class scheme."""
    if classes == 'cdla':
        return [(r.label, r.box) for r in regions]
    out, groups = [], {}
    for region in regions:
        label = CDLA_TO_PUBLAYNET[region.label]
        if label is None:
            continue
        if region.group is None:
            out.append((label, region.box))
            continue
        if region.group in groups:
            idx = groups[region.group]
            old = out[idx][1]
            new = region.box
            out[idx] = (label, (min(old[0], new[0]), min(old[1], new[1]),
                                max(old[2], new[2]), max(old[3], new[3])))
        else:
            groups[region.group] = len(out)
            out.append((label, region.box))
    return out


def build_coco(pages: Iterable[Tuple[str, Tuple[int, int],
                                     List[Tuple[str, Box]]]],
               classes: str,
               description: str = 'mmlayout synthetic document pages'
               ) -> dict:
    """The COCO dict of ``(name, (width, height), regions)`` pages.

    Args:
        pages: Each page's file stem, size and ``(label, box)`` regions in
            the ``classes`` scheme.
        classes (str): ``'cdla'`` or ``'publaynet'``.
        description (str): The ``info.description`` field.
    """
    names = CDLA_CLASSES if classes == 'cdla' else PUBLAYNET_CLASSES
    category_ids = {name: i + 1 for i, name in enumerate(names)}
    images, annotations = [], []
    for image_id, (name, (width, height), regions) in enumerate(pages, 1):
        images.append(
            dict(
                id=image_id,
                file_name=f'{name}.jpg',
                width=width,
                height=height))
        for label, (x0, y0, x1, y1) in regions:
            x0, y0, x1, y1 = (round(v, 1) for v in (x0, y0, x1, y1))
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=category_ids[label],
                    bbox=[x0, y0, round(x1 - x0, 1),
                          round(y1 - y0, 1)],
                    area=round((x1 - x0) * (y1 - y0), 1),
                    iscrowd=0,
                    segmentation=[[x0, y0, x1, y0, x1, y1, x0, y1]]))
    return dict(
        info=dict(description=description),
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i, name=n, supercategory='layout')
            for n, i in category_ids.items()
        ])
