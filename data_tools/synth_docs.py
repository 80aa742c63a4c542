"""Render synthetic document pages with layout ground truth and OCR JSON.

Every page is an academic-paper-like layout (one or two columns; title,
authors and abstract on opening pages; section titles, paragraphs, figures and
tables with captions, equations, references, headers and footers) in Chinese,
English or both. For each page it writes

* ``<out>/images/<name>.jpg``  the rendered page,
* ``<out>/ocr/<name>.json``    the true text lines and their pixel boxes, in
  the OCR JSON format that ``OCRTokenLoad`` reads (docs/ocr_and_tokens.md),

and for the whole run ``<out>/annotations.json`` (COCO, CDLA's ten classes or
PubLayNet's five with ``--classes publaynet``). ``<name>`` is
``synth_<seed>_<index, six digits>``.

Options: ``--out DIR`` (required), ``--num-pages N`` (100), ``--lang
zh|en|mix`` (mix: each page either), ``--seed S`` (0), ``--classes
cdla|publaynet`` (cdla), ``--width W`` (720 px; the height is W * sqrt 2),
``--quality Q`` (JPEG, 92), ``--workers K`` (1), ``--text-decided`` (off),
``--font-scale F`` (1: type F times the usual size, with the spacing that
follows it; e.g. 2 for large-print pages with fewer, larger regions).

Text-decided pages (``--text-decided``) test whether a detector reads: each
look-alike pair is drawn with the same code and random draws, so only the
words tell its members apart. What decides each class:

================  ==============================  ===========================
class             normal pages                    ``--text-decided`` pages
================  ==============================  ===========================
Text              body paragraphs, authors,       paragraphs and one-line
                  abstract (looks)                fragments in body type
                                                  (words)
Reference         ``[n]`` list with hanging       typeset exactly like a
                  indent, smaller type, after     paragraph, mixed with
                  a References title (looks)      them (words)
Title             bold and larger (looks)         section titles: one line
                                                  in body type, ``3.2
                                                  Ablation Study`` (words);
                                                  page title as usual
Figure            plot, bars, diagram or photo    a neutral framed box; the
                  (looks)                         caption's ``Figure n``/
                                                  ``图n`` (words)
Table             ruled table of cells (looks)    the same box; ``Table n``/
                                                  ``表n`` (words)
Figure caption    under a figure (position)       by its words, under or
                                                  above either kind
Table caption     above a table (position)        by its words, likewise
Header, Footer    page edges, small type          as normal
Equation          centred formula, numbered       as normal
================  ==============================  ===========================

Pages are reproducible: page ``i`` of seed ``s`` is drawn from its own
random generator seeded with ``(s, i)``, so the same seed gives the same files
whatever ``--workers`` is. More in docs/synthetic_pages.md.

Example::

    python data_tools/synth_docs.py --num-pages 300 --lang mix --seed 0 \
        --out data/synth_cdla/train
"""
import argparse
import json
import os
import os.path as osp
import time
from multiprocessing import Pool

from tqdm import tqdm

from mmlayout.ocr import write_ocr_json
from synthdocs.coco import build_coco, regions_to_scheme
from synthdocs.fonts import font_paths
from synthdocs.layout import render_page


def _render_and_save(job):
    """Render one page, write its image and OCR JSON; return its regions."""
    (seed, index, lang, width, out, classes, quality, text_decided,
     font_scale) = job
    image, regions, lines = render_page(seed, index, lang, width,
                                        text_decided, font_scale)
    name = f'synth_{seed}_{index:06d}'
    image.save(osp.join(out, 'images', f'{name}.jpg'), quality=quality)
    write_ocr_json(
        osp.join(out, 'ocr', f'{name}.json'),
        image.width,
        image.height,
        lines,
        engine='synth_docs (ground truth)')
    return name, image.size, regions_to_scheme(regions, classes)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--num-pages', type=int, default=100, help='pages to render')
    parser.add_argument(
        '--lang',
        choices=['zh', 'en', 'mix'],
        default='mix',
        help='page language; mix: each page Chinese or English')
    parser.add_argument(
        '--seed', type=int, default=0, help='same seed, same files')
    parser.add_argument(
        '--classes',
        choices=['cdla', 'publaynet'],
        default='cdla',
        help='annotation scheme')
    parser.add_argument(
        '--width',
        type=int,
        default=720,
        help='page width in pixels (height = width * sqrt 2)')
    parser.add_argument('--quality', type=int, default=92, help='JPEG quality')
    parser.add_argument(
        '--workers', type=int, default=1, help='rendering processes')
    parser.add_argument(
        '--text-decided',
        action='store_true',
        help='draw look-alike classes (Text/Reference, Figure/Table and '
        'their captions, section Title/short Text) that only the words '
        'tell apart')
    parser.add_argument(
        '--font-scale',
        type=float,
        default=1.0,
        help='type size (and the spacing that follows it) relative to the '
        'usual; e.g. 2: large print, fewer and larger regions')
    args = parser.parse_args(argv)
    if args.num_pages < 1:
        parser.error('--num-pages must be at least 1')
    if args.width < 200:
        parser.error('--width must be at least 200 pixels')
    if not 0.5 <= args.font_scale <= 4:
        parser.error('--font-scale must be between 0.5 and 4')
    return args


def main(argv=None):
    args = parse_args(argv)
    for sub in ('images', 'ocr'):
        os.makedirs(osp.join(args.out, sub), exist_ok=True)
    font_paths()  # fail (or warn) once, before any work starts
    jobs = [(args.seed, i, args.lang, args.width, args.out, args.classes,
             args.quality, args.text_decided, args.font_scale)
            for i in range(args.num_pages)]
    start = time.perf_counter()
    progress = dict(total=len(jobs), desc='rendering pages', unit='page')
    if args.workers > 1:
        with Pool(args.workers) as pool:
            pages = list(
                tqdm(
                    pool.imap(_render_and_save, jobs, chunksize=4),
                    **progress))
    else:
        pages = [_render_and_save(job) for job in tqdm(jobs, **progress)]
    description = 'mmlayout synthetic document pages'
    if args.text_decided:
        description += ' (text-decided)'
    coco = build_coco(pages, args.classes, description)
    ann_file = osp.join(args.out, 'annotations.json')
    with open(ann_file, 'w', encoding='utf-8') as f:
        json.dump(coco, f, ensure_ascii=False)
    elapsed = time.perf_counter() - start
    print(f'{len(pages)} pages, {len(coco["annotations"])} regions in '
          f'{elapsed:.1f} s ({len(pages) / elapsed:.1f} pages/s) -> '
          f'{args.out} (images/, ocr/, annotations.json)')


if __name__ == '__main__':
    main()
