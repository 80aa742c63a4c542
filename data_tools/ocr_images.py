"""OCR page images once into OCR JSON files (the cache OCRTokenLoad reads).

Input: a folder of images, a quoted glob, or a COCO annotation file (its
``images[*].file_name`` under ``--img-root``, default: the COCO file's
folder). Output: ``<out>/<image stem>.json`` per page, in the format of
``mmlayout/ocr/ocr_json.py`` (so image stems must be unique).

The run is resumable: pages whose JSON exists are skipped; files are written
atomically (temp file + rename), and temp files left by killed writers are
removed at start. A page that fails is logged and counted, and the run goes
on; the summary lists the counts and pages/s, failures are also written to
``<out>/ocr_failures.txt``, and the exit status is 1 if any page failed.

One run at a time writes into an ``--out`` folder: a second run into the
same folder stops at once with exit status 75, naming the lock file
``<out>/.ocr_images.lock`` and the pid holding it
(:mod:`mmlayout.utils.folder_lock`; the lock of a killed run is taken over).

Examples::

    python data_tools/ocr_images.py data/cdla/train/images --out data/cdla/ocr
    python data_tools/ocr_images.py 'scans/**/*.png' --out ocr --workers 2
    python data_tools/ocr_images.py data/publaynet/val.json \
        --img-root data/publaynet/val --out data/publaynet/ocr --lang en
    # legacy {"bbox", "words", "W", "H"} files -> OCR JSON, no OCR run
    python data_tools/ocr_images.py old_ocr/ --convert-legacy --out ocr
"""
import argparse
import glob
import json
import logging
import os
import os.path as osp
import sys
import time
from collections import Counter
from multiprocessing import Pool
from typing import List, Optional, Sequence, Tuple

from PIL import Image, ImageOps
from tqdm import tqdm

from mmlayout.ocr import build_ocr_engine, load_ocr_json, write_ocr_json
from mmlayout.utils import (atomic_write, remove_leftover_temp_files,
                            run_with_folder_lock)

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
FAILURES_FILE = 'ocr_failures.txt'
logger = logging.getLogger('ocr_images')

# One engine per worker process, built by _init_worker.
_ENGINE = None


def list_inputs(source: str, img_root: Optional[str],
                extensions: Sequence[str]) -> List[str]:
    """The files to process: a folder's files (not recursive), a glob's
    matches, or the images of a COCO file."""
    if osp.isdir(source):
        files = [
            osp.join(source, name) for name in sorted(os.listdir(source))
            if name.lower().endswith(tuple(extensions))
        ]
    elif osp.isfile(source) and source.lower().endswith('.json'):
        with open(source, encoding='utf-8') as f:
            coco = json.load(f)
        if not isinstance(coco, dict) or 'images' not in coco:
            raise ValueError(f"{source}: not a COCO file (no 'images')")
        root = img_root if img_root is not None else osp.dirname(source)
        files = [osp.join(root, img['file_name']) for img in coco['images']]
    else:
        files = sorted(glob.glob(source, recursive=True))
    if not files:
        raise ValueError(f'no input files found in {source!r}')
    return files


def output_path(out_dir: str, src: str) -> str:
    return osp.join(out_dir, osp.splitext(osp.basename(src))[0] + '.json')


def check_unique_stems(files: Sequence[str]) -> None:
    counts = Counter(osp.splitext(osp.basename(f))[0] for f in files)
    duplicates = sorted(stem for stem, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(
            f'{len(duplicates)} image stems occur more than once (e.g. '
            f'{duplicates[:5]}); OCR files are named <stem>.json, so stems '
            'must be unique')


def _init_worker(engine: str, lang: str, num_threads: Optional[int]) -> None:
    global _ENGINE
    kwargs = {} if num_threads is None else dict(num_threads=num_threads)
    _ENGINE = build_ocr_engine(engine, lang=lang, **kwargs)


def ocr_page(task: Tuple[str, str]) -> Tuple[str, Optional[str], int]:
    """OCR one image into its JSON file.

    Returns:
        tuple: ``(image, error or None, number of lines)``.
    """
    src, dst = task
    try:
        with Image.open(src) as image:
            image = ImageOps.exif_transpose(image).convert('RGB')
        lines = _ENGINE(image)
        write_ocr_json(dst, image.width, image.height, lines, _ENGINE.version)
        return src, None, len(lines)
    except Exception as e:  # noqa: BLE001 - a bad page must not stop the run
        return src, f'{type(e).__name__}: {e}', 0


def convert_legacy(task: Tuple[str, str]) -> Tuple[str, Optional[str], int]:
    """Rewrite one legacy ``{bbox, words, W, H}`` file as OCR JSON."""
    src, dst = task
    try:
        width, height, lines = load_ocr_json(src)
        write_ocr_json(dst, width, height, lines, f'legacy ({src})')
        return src, None, len(lines)
    except Exception as e:  # noqa: BLE001
        return src, f'{type(e).__name__}: {e}', 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='OCR images into per-page OCR JSON files (resumable).')
    parser.add_argument(
        'source', help='folder of images, quoted glob, or COCO .json file')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--engine', default='rapidocr',
        help="OCR engine: 'rapidocr' (default, offline) or 'paddleocr'")
    parser.add_argument(
        '--lang', default='ch',
        help="engine language; 'ch' reads Chinese and English (default)")
    parser.add_argument(
        '--workers', type=int, default=1,
        help='OCR processes; each engine gets cpu_count/workers threads')
    parser.add_argument(
        '--img-root', help='folder of a COCO file\'s images (default: the '
        'COCO file\'s folder)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='redo pages whose OCR JSON exists')
    parser.add_argument(
        '--convert-legacy', action='store_true',
        help='source holds legacy {bbox, words, W, H} .json files to '
        'convert instead of images to OCR')
    return parser.parse_args(argv)


def run(args: argparse.Namespace, files: List[str]) -> int:
    """OCR (or convert) ``files`` into ``args.out``; the exit status."""
    stale = remove_leftover_temp_files(args.out)
    if stale:
        logger.info(f'removed {len(stale)} temp files left by killed '
                    'writers')

    tasks = [(f, output_path(args.out, f)) for f in files]
    if args.convert_legacy and any(
            osp.abspath(src) == osp.abspath(dst) for src, dst in tasks):
        raise ValueError('--out must differ from the legacy files\' folder')
    todo = [t for t in tasks if args.overwrite or not osp.exists(t[1])]
    skipped = len(tasks) - len(todo)
    logger.info(f'{len(tasks)} pages: {skipped} already done, '
                f'{len(todo)} to do -> {args.out}')

    workers = max(1, min(args.workers, len(todo)))
    pool = None
    if args.convert_legacy:
        func = convert_legacy
    else:
        func = ocr_page
        threads = None if workers == 1 else max(
            1, (os.cpu_count() or 1) // workers)
        # Built here first also when workers > 1: a missing engine fails
        # once, clearly, instead of in every worker.
        _init_worker(args.engine, args.lang, threads)
        if workers > 1:
            pool = Pool(
                workers,
                initializer=_init_worker,
                initargs=(args.engine, args.lang, threads))

    failures, lines, start = [], 0, time.perf_counter()
    try:
        results = (pool.imap_unordered(func, todo) if pool is not None else
                   map(func, todo))
        for src, error, n in tqdm(
                results, total=len(todo), unit='page', dynamic_ncols=True):
            if error is None:
                lines += n
            else:
                failures.append((src, error))
                tqdm.write(f'FAILED {src}: {error}', file=sys.stderr)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    elapsed = time.perf_counter() - start

    done = len(todo) - len(failures)
    with atomic_write(
            osp.join(args.out, FAILURES_FILE), 'w', encoding='utf-8') as f:
        f.writelines(f'{src}\t{error}\n' for src, error in failures)
    rate = done / elapsed if elapsed > 0 else 0.0
    logger.info(f'done: {done} pages written ({lines} lines), {skipped} '
                f'skipped (already done), {len(failures)} failed'
                f'{" (see " + FAILURES_FILE + ")" if failures else ""}; '
                f'{elapsed:.1f} s, {rate:.2f} pages/s')
    return 1 if failures else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    extensions = ('.json', ) if args.convert_legacy else IMG_EXTENSIONS
    files = list_inputs(args.source, args.img_root, extensions)
    check_unique_stems(files)
    return run_with_folder_lock(args.out, 'ocr_images',
                                lambda: run(args, files))


if __name__ == '__main__':
    sys.exit(main())
