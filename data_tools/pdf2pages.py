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

Lines and boxes: :mod:`mmlayout.ocr.pdf_text`.

Example::

    python data_tools/pdf2pages.py papers/ --out data/papers --dpi 144
"""
import argparse
import glob
import logging
import os
import os.path as osp
import sys
from typing import List, Tuple

from tqdm import tqdm

from mmlayout.ocr import write_ocr_json
from mmlayout.ocr.pdf_text import iter_pdf_pages, pdf_text_engine
from mmlayout.utils import atomic_write

logger = logging.getLogger('pdf2pages')

def list_pdfs(source: str) -> List[str]:
    if osp.isdir(source):
        return sorted(glob.glob(osp.join(glob.escape(source), '*.pdf')))
    if osp.isfile(source):
        return [source]
    return sorted(glob.glob(source, recursive=True))


def convert_pdf(pdf_path: str, out: str, dpi: float) -> Tuple[int, int]:
    """Render one PDF and write its text-layer OCR JSON files.

    Pages whose image exists are skipped: the JSON of a page is written
    before its image and both atomically, so an image means a finished
    page, and a run killed midway resumes with the pages it had not done.

    Returns:
        tuple: ``(pages rendered now, of them with a text layer)``.
    """
    engine = pdf_text_engine()
    stem = osp.splitext(osp.basename(pdf_path))[0]

    def image_path(index: int) -> str:
        return osp.join(out, 'images', f'{stem}_{index + 1:04d}.png')

    pages = with_text = 0
    for page in iter_pdf_pages(pdf_path, dpi,
                               skip=lambda i: osp.exists(image_path(i))):
        name = f'{stem}_{page.index + 1:04d}'
        if page.lines:
            write_ocr_json(
                osp.join(out, 'ocr', name + '.json'), page.image.width,
                page.image.height, page.lines, engine)
            with_text += 1
        with atomic_write(image_path(page.index)) as f:
            page.image.save(f, format='PNG')
        pages += 1
    return pages, with_text


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
    logger.info(f'{len(pdfs) - len(failed)} PDFs, {pages} pages rendered '
                '(pages already there skipped) to '
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
