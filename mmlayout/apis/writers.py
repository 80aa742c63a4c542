"""Write inference results as they come: JSON, COCO, drawings, Markdown,
``index.html``.

Every writer takes pages one by one (:meth:`ResultWriter.add`) and finishes
in :meth:`ResultWriter.close`; only small per-page records are kept between
pages, so memory stays flat over long runs. Files are written atomically.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from PIL import Image

from mmlayout.utils import atomic_write
from .drawing import draw_page
from .html_index import render_index
from .markdown import document_markdown, document_name, picture_name, role_of
from .results import PageResult

#: Output formats of :func:`build_writers`, in the order they are written.
FORMATS = ('json', 'coco', 'vis', 'md', 'html')


def _save_image(image: Image.Image, path: str, **kwargs) -> None:
    with atomic_write(path) as file:
        image.save(file, format='PNG' if path.endswith('.png') else 'JPEG',
                   **kwargs)


def _write_text(path: str, text: str) -> None:
    with atomic_write(path, 'w', encoding='utf-8') as file:
        file.write(text)


class ResultWriter:
    """Base class: one output format of a run under ``out_dir``."""

    def __init__(self, out_dir: str, classes: Sequence[str]) -> None:
        self.out_dir = out_dir
        self.classes = tuple(classes)

    def add(self, page: PageResult) -> None:
        """Take one page (its ``image`` is still set)."""

    def close(self) -> List[str]:
        """Finish; returns the files or folders written."""
        return []


class JSONWriter(ResultWriter):
    """``json/<page id>.json``: a page's regions with their text, the lines
    outside any region and, for a failed page, its error."""

    def add(self, page: PageResult) -> None:
        _write_text(
            osp.join(self.out_dir, 'json', page.page_id + '.json'),
            json.dumps(page.to_dict(), ensure_ascii=False, indent=1))

    def close(self) -> List[str]:
        return [osp.join(self.out_dir, 'json')]


class COCOWriter(ResultWriter):
    """``coco_results.json`` (the COCO results format: ``image_id``,
    ``category_id``, ``bbox`` as x, y, w, h, ``score``) and
    ``coco_images.json`` (images and categories the ids refer to).

    Image ids are 1, 2, ... in input order, or the ids of an annotation
    file's images with the same file name (``ann_file``); category ids are
    1..K in class order, or the annotation file's ids by class name.
    """

    def __init__(self, out_dir: str, classes: Sequence[str],
                 ann_file: Optional[str] = None) -> None:
        super().__init__(out_dir, classes)
        self.image_ids: Dict[str, int] = {}
        self.category_ids = {name: i + 1 for i, name in enumerate(classes)}
        if ann_file is not None:
            with open(ann_file, encoding='utf-8') as file:
                coco = json.load(file)
            self.image_ids = {
                osp.basename(image['file_name']): image['id']
                for image in coco.get('images', [])
            }
            self.category_ids.update({
                category['name']: category['id']
                for category in coco.get('categories', [])
                if category['name'] in self.category_ids
            })
        self.detections: List[dict] = []
        self.images: List[dict] = []

    def add(self, page: PageResult) -> None:
        if page.failed:
            return
        # Images by their file name; PDF pages by the name pdf2pages.py
        # gives their image.
        name = (osp.basename(page.source) if page.page_index is None else
                page.page_id + '.png')
        image_id = self.image_ids.get(name, len(self.images) + 1)
        self.images.append(
            dict(id=image_id, file_name=name, width=page.width,
                 height=page.height))
        for region in page.regions:
            x0, y0, x1, y1 = region.box
            self.detections.append(
                dict(image_id=image_id,
                     category_id=self.category_ids[region.label],
                     bbox=[round(v, 2) for v in (x0, y0, x1 - x0, y1 - y0)],
                     score=round(region.score, 5)))

    def close(self) -> List[str]:
        results = osp.join(self.out_dir, 'coco_results.json')
        images = osp.join(self.out_dir, 'coco_images.json')
        _write_text(results, json.dumps(self.detections))
        categories = [dict(id=i, name=name)
                      for name, i in self.category_ids.items()]
        _write_text(images, json.dumps(
            dict(images=self.images, categories=categories),
            ensure_ascii=False))
        return [results, images]


class DrawingWriter(ResultWriter):
    """``vis/<page id>.jpg``: the page with its regions drawn."""

    def add(self, page: PageResult) -> None:
        if page.failed:
            return
        _save_image(
            draw_page(page, len(self.classes)),
            osp.join(self.out_dir, 'vis', page.page_id + '.jpg'),
            quality=90)

    def close(self) -> List[str]:
        return [osp.join(self.out_dir, 'vis')]


class MarkdownWriter(ResultWriter):
    """``markdown/<document>.md`` per document (a PDF, or an image) with
    its figures, tables and equations cropped to
    ``markdown/<document>_assets/``; see :mod:`mmlayout.apis.markdown`.

    Pages of one document arrive one after the other; a document is written
    when the next one starts (or at the end) and only its regions' text is
    kept until then.
    """

    def __init__(self, out_dir: str, classes: Sequence[str],
                 keep_furniture: bool = False) -> None:
        super().__init__(out_dir, classes)
        self.keep_furniture = keep_furniture
        self.document: Optional[str] = None
        self.pages: List[PageResult] = []
        self.pictures: List[List[Optional[str]]] = []
        self.written = False

    def add(self, page: PageResult) -> None:
        name = document_name(page)
        if name != self.document:
            self._flush()
            self.document = name
        folder = osp.join(self.out_dir, 'markdown')
        pictures: List[Optional[str]] = []
        for index, region in enumerate(page.regions):
            if role_of(region.label) != 'picture':
                pictures.append(None)
                continue
            relative = osp.join(name + '_assets',
                                picture_name(page, index, region))
            x0, y0, x1, y1 = (round(v) for v in region.box)
            if x1 > x0 and y1 > y0:
                _save_image(
                    Image.fromarray(page.image[y0:y1, x0:x1]),
                    osp.join(folder, relative))
                pictures.append(relative.replace(os.sep, '/'))
            else:
                pictures.append(None)
        # Keep the text, not the image, until the document is written.
        self.pages.append(PageResult(**{**page.__dict__, 'image': None}))
        self.pictures.append(pictures)

    def _flush(self) -> None:
        if not self.pages:
            return
        path = osp.join(self.out_dir, 'markdown', self.document + '.md')
        _write_text(path, document_markdown(self.pages, self.pictures,
                                            self.keep_furniture))
        self.written = True
        self.pages, self.pictures = [], []

    def close(self) -> List[str]:
        self._flush()
        return [osp.join(self.out_dir, 'markdown')] if self.written else []


class HTMLWriter(ResultWriter):
    """``index.html`` with the page images in ``html/`` (JPEG, at most
    ``max_side`` pixels on the long side)."""

    def __init__(self, out_dir: str, classes: Sequence[str],
                 max_side: int = 1600) -> None:
        super().__init__(out_dir, classes)
        self.max_side = max_side
        self.pages: List[dict] = []

    def add(self, page: PageResult) -> None:
        record = page.to_dict()
        if not page.failed:
            relative = 'html/' + page.page_id + '.jpg'
            image = Image.fromarray(page.image)
            image.thumbnail((self.max_side, self.max_side))
            _save_image(image, osp.join(self.out_dir, relative), quality=85)
            record['image'] = relative
        del record['unassigned_lines']
        for region in record['regions']:
            del region['lines']
        self.pages.append(record)

    def close(self) -> List[str]:
        path = osp.join(self.out_dir, 'index.html')
        _write_text(path, render_index(self.pages, self.classes))
        return [path]


def build_writers(formats: Sequence[str],
                  out_dir: str,
                  classes: Sequence[str],
                  ann_file: Optional[str] = None,
                  keep_furniture: bool = False) -> List[ResultWriter]:
    """The writers of ``formats`` (a subset of :data:`FORMATS`)."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f'unknown output formats {unknown}; choose from '
                         f'{", ".join(FORMATS)}')
    writers = dict(
        json=lambda: JSONWriter(out_dir, classes),
        coco=lambda: COCOWriter(out_dir, classes, ann_file),
        vis=lambda: DrawingWriter(out_dir, classes),
        md=lambda: MarkdownWriter(out_dir, classes, keep_furniture),
        html=lambda: HTMLWriter(out_dir, classes))
    return [writers[name]() for name in FORMATS if name in formats]
