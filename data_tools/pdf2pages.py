"""Render PDF pages to images and, from the PDF text layer, their OCR JSON.

For every page of every PDF it writes

* ``<out>/images/<pdf stem>_<page>.png`` (page numbers from 0001), and
* ``<out>/ocr/<pdf stem>_<page>.json`` when the page has a text layer
  (born-digital PDFs): the text lines with their boxes in pixels of the
  rendered image, in the OCR JSON format OCRTokenLoad reads, so no OCR is
  needed.

Scanned pages (no text layer) get no JSON; OCR them afterwards with
``python data_tools/ocr_images.py <out>/images --out <out>/ocr``, which
skips the pages that already have one.

Lines are PDFium's text lines, split further where two neighbouring glyphs
are more than one line height apart (table cells, columns drawn on one
baseline). Boxes are the union of the glyphs' font boxes.

Example::

    python data_tools/pdf2pages.py papers/ --out data/papers --dpi 144
"""
import argparse
import ctypes
import glob
import importlib.metadata
import logging
import os
import os.path as osp
import sys
from typing import List, Tuple

import numpy as np
from tqdm import tqdm

from mmlayout.ocr import OCRLine, atomic_write, write_ocr_json

logger = logging.getLogger('pdf2pages')

# Split a line where the gap between glyphs exceeds this many line heights.
SPLIT_GAP = 1.0


def _pdfium():
    try:
        import pypdfium2
        import pypdfium2.raw
    except ImportError as e:
        raise ImportError("pdf2pages needs pypdfium2: pip install "
                          f"'mmlayout[pdf]' (pypdfium2>=4). {e}") from e
    return pypdfium2


def page_to_image_matrix(page, width: int, height: int) -> np.ndarray:
    """The 2x3 affine map from PDF page space to pixels of the page rendered
    at ``width`` x ``height`` (page rotation and crop box included)."""
    raw = _pdfium().raw
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
    raw = _pdfium().raw
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


def list_pdfs(source: str) -> List[str]:
    if osp.isdir(source):
        return sorted(glob.glob(osp.join(glob.escape(source), '*.pdf')))
    if osp.isfile(source):
        return [source]
    return sorted(glob.glob(source, recursive=True))


def convert_pdf(pdf_path: str, out: str, dpi: float) -> Tuple[int, int]:
    """Render one PDF and write its text-layer OCR JSON files.

    Returns:
        tuple: ``(pages, pages with a text layer)``.
    """
    pdfium = _pdfium()
    version = importlib.metadata.version('pypdfium2')
    engine = f'pdf text layer (pypdfium2 {version})'
    stem = osp.splitext(osp.basename(pdf_path))[0]
    pdf = pdfium.PdfDocument(pdf_path)
    with_text = 0
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                image = page.render(scale=dpi / 72).to_pil().convert('RGB')
                name = f'{stem}_{index + 1:04d}'
                with atomic_write(osp.join(out, 'images', name + '.png')) as f:
                    image.save(f, format='PNG')
                lines = text_layer_lines(page, image.width, image.height)
                if lines:
                    write_ocr_json(
                        osp.join(out, 'ocr', name + '.json'), image.width,
                        image.height, lines, engine)
                    with_text += 1
            finally:
                page.close()
        return len(pdf), with_text
    finally:
        pdf.close()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Render PDF pages to PNG images and write OCR JSON from '
        'the PDF text layer.')
    parser.add_argument('source', help='PDF file, folder of PDFs, or glob')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--dpi', type=float, default=144, help='render resolution (144)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    pdfs = list_pdfs(args.source)
    if not pdfs:
        raise ValueError(f'no PDF files found in {args.source!r}')
    for sub in ('images', 'ocr'):
        os.makedirs(osp.join(args.out, sub), exist_ok=True)
    pages = with_text = 0
    failed: List[Tuple[str, str]] = []
    for pdf_path in tqdm(pdfs, unit='pdf', dynamic_ncols=True):
        try:
            n, t = convert_pdf(pdf_path, args.out, args.dpi)
        except Exception as e:  # noqa: BLE001 - a bad PDF must not stop
            failed.append((pdf_path, f'{type(e).__name__}: {e}'))
            tqdm.write(f'FAILED {pdf_path}: {e}', file=sys.stderr)
            continue
        pages, with_text = pages + n, with_text + t
    logger.info(f'{len(pdfs) - len(failed)} PDFs, {pages} pages rendered to '
                f'{osp.join(args.out, "images")}; {with_text} with a text '
                f'layer -> {osp.join(args.out, "ocr")}; {len(failed)} PDFs '
                'failed')
    if pages > with_text:
        logger.info(f'{pages - with_text} pages have no text layer: python '
                    f'data_tools/ocr_images.py {osp.join(args.out, "images")} '
                    f'--out {osp.join(args.out, "ocr")}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
