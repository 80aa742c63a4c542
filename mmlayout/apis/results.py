"""What the inferencer returns for a page: regions and the text inside them.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmlayout.ocr import OCRLine, reading_order

Box = Tuple[float, float, float, float]

#: A line belongs to the region that covers the largest part of its box,
#: when that part is at least this fraction of the line's area.
MIN_LINE_COVERAGE = 0.5


@dataclass
class Region:
    """One detected region of a page.

    Attributes:
        label (str): Class name.
        label_id (int): Index of the class in the model's classes.
        score (float): Detection score.
        box (tuple[float]): ``(x0, y0, x1, y1)`` in pixels of the input page.
        lines (list[OCRLine]): The page's text lines inside the region, in
            reading order.
    """
    label: str
    label_id: int
    score: float
    box: Box
    lines: List[OCRLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The region's lines joined in reading order (see
        :func:`join_lines`)."""
        return join_lines([line.text for line in self.lines])

    def to_dict(self) -> dict:
        return dict(
            label=self.label,
            label_id=self.label_id,
            score=round(self.score, 5),
            box=[round(v, 2) for v in self.box],
            text=self.text,
            lines=[dict(text=line.text, box=list(line.box))
                   for line in self.lines])


@dataclass
class PageResult:
    """The regions of one page, or why there are none.

    Attributes:
        page_id (str): Unique name of the page: the image file's stem, or
            ``<pdf stem>_<page number from 0001>`` for PDF pages (the names
            ``data_tools/pdf2pages.py`` gives them).
        source (str): The image or PDF file ('' for arrays).
        page_index (int, optional): Page number in the PDF, from 0.
        width (int): Page width in pixels (0 when the page failed).
        height (int): Page height in pixels.
        regions (list[Region]): Regions above the score threshold, in
            reading order.
        unassigned_lines (list[OCRLine]): Text lines inside no region, in
            reading order (kept, so no text is lost).
        text_source (str): Where the text came from: ``'pdf'`` (the text
            layer), ``'cache'`` (an OCR JSON file), ``'ocr'`` (the OCR
            engine, run now) or ``'none'``.
        error (str, optional): Why the page has no result.
        image (np.ndarray, optional): The ``(H, W, 3)`` RGB page, for the
            writers; not serialised.
    """
    page_id: str
    source: str
    page_index: Optional[int] = None
    width: int = 0
    height: int = 0
    regions: List[Region] = field(default_factory=list)
    unassigned_lines: List[OCRLine] = field(default_factory=list)
    text_source: str = 'none'
    error: Optional[str] = None
    image: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def to_dict(self) -> dict:
        """The page as JSON-serialisable data (without the image)."""
        return dict(
            page_id=self.page_id,
            source=self.source,
            page_index=self.page_index,
            width=self.width,
            height=self.height,
            text_source=self.text_source,
            error=self.error,
            regions=[region.to_dict() for region in self.regions],
            unassigned_lines=[
                dict(text=line.text, box=list(line.box))
                for line in self.unassigned_lines
            ])


def _is_cjk(char: str) -> bool:
    return '\u2e80' <= char <= '\u9fff' or '\uf900' <= char <= '\uffef'


def join_lines(texts: Sequence[str]) -> str:
    """Join the lines of a paragraph: a space between lines, none between
    CJK characters, and a word hyphenated across a line break rejoined."""
    text = ''
    for line in (t.strip() for t in texts):
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith('-') and text[-2:-1].isalpha() and \
                line[0].islower():
            text = text[:-1] + line
        elif _is_cjk(text[-1]) and _is_cjk(line[0]):
            text += line
        else:
            text += ' ' + line
    return text


def assign_lines(region_boxes: np.ndarray, lines: Sequence[OCRLine],
                 page_width: float) -> Tuple[List[List[int]], List[int]]:
    """Give each text line to the region that covers most of it.

    A line goes to the region covering the largest part of its box if that
    part is at least :data:`MIN_LINE_COVERAGE` of the box (on ties, the
    earlier region: pass regions by decreasing score). Zero-area lines count
    as covered where their box lies inside the region.

    Args:
        region_boxes (np.ndarray): ``(R, 4)`` boxes ``x0, y0, x1, y1``.
        lines (Sequence[OCRLine]): The page's lines.
        page_width (float): Page width, for the reading order.

    Returns:
        tuple: Per region the indices of its lines in reading order, and the
        indices of the lines of no region, in reading order.
    """
    region_boxes = np.asarray(region_boxes, dtype=np.float64).reshape(-1, 4)
    line_boxes = np.array([line.box for line in lines],
                          dtype=np.float64).reshape(-1, 4)
    # Inflate zero-size lines a little so that they have an area.
    line_boxes[:, 2:] = np.maximum(line_boxes[:, 2:], line_boxes[:, :2] + 1e-3)
    low = np.maximum(line_boxes[:, None, :2], region_boxes[None, :, :2])
    high = np.minimum(line_boxes[:, None, 2:], region_boxes[None, :, 2:])
    inter = np.clip(high - low, 0, None).prod(axis=2)  # (L, R)
    area = (line_boxes[:, 2:] - line_boxes[:, :2]).prod(axis=1)
    coverage = inter / area[:, None]
    if coverage.shape[1]:
        best = coverage.argmax(axis=1)
        owner = np.where(
            coverage[np.arange(len(best)), best] >= MIN_LINE_COVERAGE, best,
            -1)
    else:
        owner = np.full(len(line_boxes), -1)
    order = reading_order(line_boxes, page_width)
    owner_in_order = owner[order]
    per_region = [
        order[owner_in_order == r].tolist() for r in range(len(region_boxes))
    ]
    return per_region, order[owner_in_order < 0].tolist()
