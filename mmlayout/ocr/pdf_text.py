"""PDF pages as images with the lines of their text layer.

Born-digital PDFs carry their text: the lines and their boxes come from the
PDF itself, in pixels of the rendered page, so these pages need no OCR.
Lines are PDFium's text lines, split further where two neighbouring glyphs
are more than one line height apart (table cells, columns drawn on one
baseline). Boxes are the union of the glyphs' font boxes.
"""
import ctypes
import importlib.metadata
from typing import Callable, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np
from PIL import Image

from .base import OCRLine

# Split a line where the gap between glyphs exceeds this many line heights.
SPLIT_GAP = 1.0


def pdfium():
    try:
        import pypdfium2
        import pypdfium2.raw
    except ImportError as e:
        raise ImportError("reading PDFs needs pypdfium2: pip install "
                          f"'mmlayout[pdf]' (pypdfium2>=4). {e}") from e
    return pypdfium2


def page_to_image_matrix(page, width: int, height: int) -> np.ndarray:
    """The 2x3 affine map from PDF page space to pixels of the page rendered
    at ``width`` x ``height`` (page rotation and crop box included)."""
    raw = pdfium().raw
    probes = ((0.0, 0.0), (1000.0, 0.0), (0.0, 1000.0))
    device = []
    for x, y in probes:
        dx, dy = ctypes.c_int(), ctypes.c_int()
        raw.FPDF_PageToDevice(page, 0, 0, width, height, 0, x, y, dx, dy)
        device.append((dx.value, dy.value))
    (x0, y0), (x1, y1), (x2, y2) = device
    return np.array([[(x1 - x0) / 1000, (x2 - x0) / 1000, x0],
                     [(y1 - y0) / 1000, (y2 - y0) / 1000, y0]])


def _segments(textpage) -> List[Tuple[str, Tuple[float, float, float, float]]]:
    """Text segments of a page with their page-space box
    ``(left, bottom, right, top)``."""
    raw = pdfium().raw
    segments = []
    text, boxes = [], []

    def close():
        if boxes and ''.join(text).strip():
            b = np.array(boxes)
            segments.append((' '.join(''.join(text).split()),
                             (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(),
                              b[:, 3].max())))
        text.clear()
        boxes.clear()

    for i in range(textpage.count_chars()):
        char = chr(raw.FPDFText_GetUnicode(textpage, i))
        if char in '\r\n':
            close()
            continue
        if char.isspace() or raw.FPDFText_IsGenerated(textpage, i):
            text.append(char)
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if boxes:
            last = boxes[-1]
            height = max(last[3] - last[1], top - bottom, 1e-6)
            gap = max(left - last[2], last[0] - right)
            if gap > SPLIT_GAP * height or bottom >= last[3] or \
                    top <= last[1]:
                close()
        text.append(char)
        boxes.append((left, bottom, right, top))
    close()
    return segments


def text_layer_lines(page, width: int, height: int) -> List[OCRLine]:
    """The text lines of a PDF page in pixels of its ``width`` x ``height``
    rendering; empty for a page without a text layer.

    Args:
        page (pypdfium2.PdfPage): The page.
        width (int): Width of the rendered image.
        height (int): Height of the rendered image.
    """
    textpage = page.get_textpage()
    try:
        segments = _segments(textpage)
    finally:
        textpage.close()
    matrix = page_to_image_matrix(page, width, height)
    lines = []
    for text, (left, bottom, right, top) in segments:
        # Text-oriented quad: top-left, top-right, bottom-right, bottom-left.
        corners = np.array([[left, top, 1], [right, top, 1],
                            [right, bottom, 1], [left, bottom, 1]])
        quad = (corners @ matrix.T).round(2)
        lo, hi = quad.min(0), quad.max(0)
        lines.append(
            OCRLine(
                text=text,
                box=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
                quad=tuple((float(x), float(y)) for x, y in quad)))
    return lines


class PDFPage(NamedTuple):
    """One rendered PDF page.

    Attributes:
        index (int): Page number, from 0.
        image (PIL.Image.Image): The page rendered in RGB.
        lines (list[OCRLine]): Its text layer in pixels of ``image``; empty
            for a scanned page.
    """
    index: int
    image: Image.Image
    lines: List[OCRLine]


def pdf_text_engine() -> str:
    """The ``engine`` of OCR JSON written from a text layer."""
    version = importlib.metadata.version('pypdfium2')
    return f'pdf text layer (pypdfium2 {version})'


def iter_pdf_pages(path: str,
                   dpi: float = 144,
                   skip: Optional[Callable[[int], bool]] = None
                   ) -> Iterator[PDFPage]:
    """Render the pages of a PDF one by one with their text layer.

    Args:
        path (str): The PDF file.
        dpi (float): Render resolution. Defaults to 144.
        skip (Callable, optional): Pages (by index from 0) for which it
            returns True are neither rendered nor yielded (e.g. pages done
            before an interruption).

    Raises:
        ValueError: When the file cannot be opened as a PDF (corrupt, or
            encrypted with a password), naming the file.
    """
    lib = pdfium()
    try:
        pdf = lib.PdfDocument(path)
    except lib.PdfiumError as e:
        raise ValueError(f'cannot open PDF {path}: {e} (corrupt, or '
                         'encrypted with a password)') from e
    try:
        for index in range(len(pdf)):
            if skip is not None and skip(index):
                continue
            page = pdf[index]
            try:
                image = page.render(scale=dpi / 72).to_pil().convert('RGB')
                lines = text_layer_lines(page, image.width, image.height)
            finally:
                page.close()
            yield PDFPage(index, image, lines)
    finally:
        pdf.close()
