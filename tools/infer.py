"""Run a layout model on images, folders and PDFs and write its results.

Examples::

    # regions, text, drawings, Markdown and index.html for a folder
    python tools/infer.py CONFIG CHECKPOINT pages/ --out-dir results/

    # a born-digital PDF: its text layer is the text, no OCR
    python tools/infer.py CONFIG CHECKPOINT paper.pdf --out-dir results/

    # scanned pages: OCR from a cache folder, else RapidOCR on the fly
    python tools/infer.py CONFIG CHECKPOINT scans/ --out-dir results/ \\
        --ocr-cache scans_ocr/ --ocr rapidocr

Writes under ``--out-dir`` (``--formats``, default all): ``json/<page>.json``,
``coco_results.json`` + ``coco_images.json``, ``vis/<page>.jpg``,
``markdown/<document>.md`` (+ ``<document>_assets/``) and ``index.html``
(+ ``html/``). Exit status: 0 when every page worked, 3 when some pages
failed (listed at the end and in ``failed_pages.txt``), 1 on a fatal error.

One run at a time writes into an ``--out-dir``: a second run into the same
folder stops at once with exit status 75, naming the lock file
``<out-dir>/.infer.lock`` and the pid holding it
(:mod:`mmlayout.utils.folder_lock`; the lock of a killed run is taken over).
"""
import argparse
import sys
import time

from mmlayout.apis import FORMATS, LayoutInferencer, build_writers
from mmlayout.utils import (add_cfg_options_argument, atomic_write,
                            run_with_folder_lock)

#: Exit status when some pages failed and the others were written.
EXIT_SOME_FAILED = 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Detect the layout of pages (images, folders, PDFs) and '
        'write regions with their text.')
    parser.add_argument('config', help='model config')
    parser.add_argument(
        'checkpoint',
        help="trained weights (.pth); 'none' keeps the initial weights "
        '(to try the tool)')
    parser.add_argument(
        'inputs', nargs='+', help='image or PDF files, folders or globs')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--formats',
        default=','.join(FORMATS),
        help=f'comma-separated outputs (default: all of '
        f'{",".join(FORMATS)})')
    parser.add_argument(
        '--score-thr', type=float, default=0.3, help='region score threshold')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--ocr',
        choices=['rapidocr', 'paddleocr', 'none'],
        default='none',
        help='OCR engine for pages without a PDF text layer or cached OCR '
        '(default: none)')
    parser.add_argument(
        '--ocr-lang', default=None, help='OCR language (engine default)')
    parser.add_argument(
        '--ocr-cache',
        help='folder of OCR JSON files named <page id>.json (image stem, or '
        '<pdf stem>_<page from 0001>)')
    parser.add_argument(
        '--pdf-dpi', type=float, default=144, help='PDF render resolution')
    parser.add_argument(
        '--ann-file',
        help='COCO annotation file whose image and category ids the COCO '
        'results use')
    parser.add_argument(
        '--keep-furniture',
        action='store_true',
        help='keep headers and footers in the Markdown')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Infer ``args.inputs`` into ``args.out_dir``; the exit status."""
    formats = [name.strip() for name in args.formats.split(',') if name]
    ocr_kwargs = {'lang': args.ocr_lang} if args.ocr_lang else None
    inferencer = LayoutInferencer(
        args.config,
        None if args.checkpoint == 'none' else args.checkpoint,
        device=args.device,
        ocr=args.ocr,
        ocr_cache=args.ocr_cache,
        score_thr=args.score_thr,
        batch_size=args.batch_size,
        pdf_dpi=args.pdf_dpi,
        cfg_options=args.cfg_options,
        ocr_kwargs=ocr_kwargs)
    writers = build_writers(formats, args.out_dir, inferencer.classes,
                            args.ann_file, args.keep_furniture)
    pages = regions = 0
    failed = []
    sources = {}
    start = time.perf_counter()
    for page in inferencer(args.inputs, progress=True):
        pages += 1
        sources[page.text_source] = sources.get(page.text_source, 0) + 1
        if page.failed:
            failed.append((page.page_id, page.source, page.error))
            print(f'FAILED {page.page_id} ({page.source}): {page.error}',
                  file=sys.stderr)
        regions += len(page.regions)
        for writer in writers:
            writer.add(page)
        page.image = None
    written = [path for writer in writers for path in writer.close()]
    seconds = time.perf_counter() - start
    if failed:
        with atomic_write(f'{args.out_dir}/failed_pages.txt', 'w',
                          encoding='utf-8') as file:
            file.writelines(f'{page_id}\t{source}\t{error}\n'
                            for page_id, source, error in failed)
    text = ', '.join(f'{count} {source}' for source, count in
                     sorted(sources.items()))
    print(f'{pages} pages in {seconds:.1f} s ({pages / max(seconds, 1e-9):.2f}'
          f' pages/s): {regions} regions, {len(failed)} failed; text from: '
          f'{text or "-"}')
    for path in written:
        print(f'  wrote {path}')
    if not pages:
        print('no pages found in the inputs', file=sys.stderr)
        return 1
    return EXIT_SOME_FAILED if failed else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    return run_with_folder_lock(args.out_dir, 'infer', lambda: run(args))


if __name__ == '__main__':
    sys.exit(main())
