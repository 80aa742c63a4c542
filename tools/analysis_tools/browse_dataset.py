"""Draw a dataset's ground-truth regions and OCR lines, page by page.

Builds the dataset of a config's split with a pipeline that only loads the
image and its annotations (no resizing or augmentation), reads each page's
OCR JSON from where the config's ``OCRTokenLoad`` would (its ``ocr_root``,
filled from the config key like ``tools/train.py`` does), and writes one
PNG per page: the regions in one colour per class with their names, the
OCR lines as thin boxes (another colour for lines outside every region)
and a legend. OCR boxes are scaled from the OCR JSON's page size to the
image when the two differ; the page's summary line says so.

A line counts as inside a region when at least half of its area lies in
that region. Chinese class names and text need a CJK font
(``apt-get install fonts-wqy-microhei``).

Example::

    python tools/analysis_tools/browse_dataset.py \
        configs/demo/layoutmm-tiny_cascade_synth.py --split val \
        --out-dir work_dirs/browse --max-pages 5
"""
import argparse
import os
import os.path as osp
import sys
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from mmlayout.ocr import load_ocr_json
from mmlayout.utils import add_cfg_options_argument, prepare_config
from mmlayout.utils.fonts import find_cjk_font

#: Share of an OCR line's area that must lie in one region for the line to
#: count as inside it.
INSIDE_FRACTION = 0.5
#: Largest relative difference of the OCR page's and the image's aspect
#: ratios (``PackLayoutInputs``' default ``max_aspect_mismatch``).
MAX_ASPECT_MISMATCH = 0.02
OCR_COLOUR = (255, 0, 255)
OUTSIDE_COLOUR = (0, 170, 170)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', choices=('train', 'val', 'test'),
                        default='train',
                        help='dataset of <split>_dataloader')
    parser.add_argument(
        '--out-dir',
        help='folder of the PNGs (default: work_dirs/browse_dataset/'
        '<config name>_<split>)')
    parser.add_argument('--max-pages', type=int,
                        help='draw the first N pages only')
    parser.add_argument('--no-ocr', action='store_true',
                        help='draw the regions only')
    parser.add_argument('--show-text', action='store_true',
                        help="write each OCR line's text at its box")
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def loading_dataset(cfg: Config, split: str,
                    config_path: str) -> Tuple[dict, Optional[dict]]:
    """The split's dataset config with a pipeline that only loads the
    image and the annotations, and its ``OCRTokenLoad`` config (None for
    an image-only pipeline)."""
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'pipeline' not in loader.get('dataset', {}):
        raise KeyError(f'{config_path}: no {split}_dataloader.dataset.'
                       'pipeline in the config')
    dataset = loader.dataset.copy()
    ocr_cfgs = [t for t in dataset.pipeline if t.get('type') == 'OCRTokenLoad']
    dataset.pipeline = [
        dict(type='LoadImageFromFile',
             backend_args=dataset.get('backend_args')),
        dict(type='LoadAnnotations', with_bbox=True),
    ]
    return dataset, (ocr_cfgs[0] if ocr_cfgs else None)


def read_ocr(path: str, width: int,
             height: int) -> Tuple[np.ndarray, List[str], Tuple[float, float]]:
    """OCR line boxes in pixels of a ``width`` x ``height`` image.

    Returns:
        tuple: ``(boxes, texts, ocr_size)``: ``(N, 4)`` boxes (corners
        sorted, as ``OCRTokenLoad`` does) scaled from the OCR page to the
        image, the lines' texts, and the OCR page's ``(width, height)``.
    """
    ocr_w, ocr_h, lines = load_ocr_json(path)
    boxes = np.array([line.box for line in lines],
                     dtype=np.float64).reshape(-1, 2, 2)
    boxes = np.concatenate([boxes.min(axis=1), boxes.max(axis=1)], axis=1)
    boxes *= [width / ocr_w, height / ocr_h] * 2
    return boxes, [line.text for line in lines], (ocr_w, ocr_h)


def inside_regions(lines: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Whether each line has :data:`INSIDE_FRACTION` of its area in one of
    the regions (both ``(N, 4)`` / ``(M, 4)`` ``x0, y0, x1, y1``)."""
    if len(lines) == 0 or len(regions) == 0:
        return np.zeros(len(lines), dtype=bool)
    low = np.maximum(lines[:, None, :2], regions[None, :, :2])
    high = np.minimum(lines[:, None, 2:], regions[None, :, 2:])
    overlap = np.clip(high - low, 0, None).prod(axis=2)
    area = np.clip(lines[:, 2:] - lines[:, :2], 0, None).prod(axis=1)
    return (overlap >= INSIDE_FRACTION * np.maximum(area, 1e-6)[:, None]
            ).any(axis=1)


@lru_cache(maxsize=None)
def load_font(size: int) -> ImageFont.ImageFont:
    """A font of ``size`` px with Chinese glyphs when one is installed."""
    path = find_cjk_font()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def text_colour(background: Sequence[int]) -> Tuple[int, int, int]:
    """Black or white, whichever reads better on ``background``."""
    luma = (0.299 * background[0] + 0.587 * background[1] +
            0.114 * background[2])
    return (0, 0, 0) if luma > 140 else (255, 255, 255)


def draw_page(image: np.ndarray, regions: np.ndarray, labels: np.ndarray,
              classes: Sequence[str], palette: Sequence[tuple],
              lines: np.ndarray, texts: Sequence[str],
              inside: np.ndarray, notes: Sequence[str],
              with_ocr: bool = True) -> Image.Image:
    """The page with its regions, OCR lines and a legend on the right.

    Args:
        image: ``(H, W, 3)`` RGB page.
        regions, labels: ``(M, 4)`` ground-truth boxes and class indices.
        classes, palette: Class names and one RGB colour per class.
        lines, texts: ``(N, 4)`` OCR line boxes in image pixels and their
            texts (empty to leave the texts out).
        inside: ``(N,)`` whether each line lies in a region.
        notes: Lines of text put under the legend.
        with_ocr: Whether the legend lists the OCR lines.
    """
    height, width = image.shape[:2]
    size = max(10, round(height / 90))
    font = load_font(size)
    page = Image.fromarray(image).convert('RGBA')
    if len(texts):
        cover = Image.new('RGBA', page.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(cover)
        for (x0, y0, x1, y1), text in zip(lines, texts):
            draw.rectangle((x0, y0, x1, y1), fill=(255, 255, 255, 190))
            draw.text((x0, y0), text, fill=(0, 0, 160, 255),
                      font=load_font(max(6, round(0.8 * (y1 - y0)))))
        page = Image.alpha_composite(page, cover)
    page = page.convert('RGB')
    draw = ImageDraw.Draw(page)
    for box, is_inside in zip(lines, inside):
        draw.rectangle(tuple(box), width=1,
                       outline=OCR_COLOUR if is_inside else OUTSIDE_COLOUR)
    thick = max(2, round(min(height, width) / 300))
    for box, label in zip(regions, labels):
        colour = tuple(palette[label])
        draw.rectangle(tuple(box), outline=colour, width=thick)
        x0, y0 = box[:2]
        name = classes[label]
        top = max(0, y0 - size - 4)
        draw.rectangle((x0, top, x0 + font.getlength(name) + 4,
                        top + size + 4), fill=colour)
        draw.text((x0 + 2, top + 2), name, fill=text_colour(colour),
                  font=font)

    counts = np.bincount(labels, minlength=len(classes))
    entries = [(tuple(palette[i]), f'{name} ({counts[i]})')
               for i, name in enumerate(classes)]
    if with_ocr:
        entries += [(OCR_COLOUR, f'OCR line in a region ({inside.sum()})'),
                    (OUTSIDE_COLOUR,
                     f'OCR line outside regions ({(~inside).sum()})')]
    entries += [(None, note) for note in notes]
    row = size + 8
    panel = int(max(font.getlength(text) for _, text in entries)) + 3 * row
    canvas = Image.new('RGB', (width + panel, max(height, row *
                                                  (len(entries) + 1))),
                       (255, 255, 255))
    canvas.paste(page, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, (colour, text) in enumerate(entries):
        y = row // 2 + i * row
        if colour is not None:
            draw.rectangle((width + row // 2, y, width + row // 2 + size,
                            y + size), fill=colour)
        draw.text((width + 2 * row, y), text, fill=(0, 0, 0), font=font)
    return canvas


def class_palette(metainfo: dict, num_classes: int) -> List[tuple]:
    """The dataset's palette, or distinct colours when it has too few."""
    palette = metainfo.get('palette')
    if palette and len(palette) >= num_classes:
        return [tuple(int(c) for c in colour) for colour in palette]
    from mmdet.visualization.palette import get_palette
    return [tuple(int(c) for c in colour)
            for colour in get_palette('random', num_classes)]


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdet.registry import DATASETS, TRANSFORMS
    from mmdet.utils import register_all_modules

    import mmlayout  # noqa: F401  registers mmlayout components
    register_all_modules()
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, cfg_options=args.cfg_options)
    dataset_cfg, ocr_cfg = loading_dataset(cfg, args.split, args.config)
    dataset = DATASETS.build(dataset_cfg)
    classes = dataset.metainfo['classes']
    palette = class_palette(dataset.metainfo, len(classes))
    ocr_loader = None
    if not args.no_ocr:
        if ocr_cfg is None:
            print(f'{args.config}: no OCRTokenLoad in the {args.split} '
                  'pipeline (image-only config): drawing the regions only')
        else:
            ocr_loader = TRANSFORMS.build(ocr_cfg)
    if find_cjk_font() is None:
        print('WARNING: no CJK font found (apt-get install '
              'fonts-wqy-microhei); Chinese text will not render')
    out_dir = args.out_dir or osp.join(
        'work_dirs', 'browse_dataset',
        f'{osp.splitext(osp.basename(args.config))[0]}_{args.split}')
    os.makedirs(out_dir, exist_ok=True)

    num_pages = len(dataset) if args.max_pages is None else min(
        args.max_pages, len(dataset))
    totals = dict(regions=0, lines=0, outside=0, missing=0, scaled=0)
    for index in tqdm(range(num_pages), desc='pages'):
        results = dataset[index]
        image = np.ascontiguousarray(results['img'][..., ::-1])
        height, width = image.shape[:2]
        regions = results['gt_bboxes'].numpy()
        labels = results['gt_bboxes_labels']
        lines, texts, notes = np.zeros((0, 4)), [], []
        if ocr_loader is not None:
            ocr_path = ocr_loader.ocr_path(results['img_path'])
            if osp.isfile(ocr_path):
                lines, texts, (ocr_w, ocr_h) = read_ocr(
                    ocr_path, width, height)
                if (ocr_w, ocr_h) != (width, height):
                    notes.append(f'OCR page {ocr_w:g}x{ocr_h:g} scaled to '
                                 f'the image {width}x{height}')
                    totals['scaled'] += 1
                aspect = (width / ocr_w) / (height / ocr_h)
                if abs(aspect - 1) > MAX_ASPECT_MISMATCH:
                    notes.append('ASPECT MISMATCH: OCR of another image?')
            else:
                notes = [f'no OCR file {ocr_path}']
                totals['missing'] += 1
        inside = inside_regions(lines, regions)
        canvas = draw_page(image, regions, labels, classes, palette, lines,
                           texts if args.show_text else [], inside, notes,
                           with_ocr=ocr_loader is not None)
        name = osp.splitext(osp.basename(results['img_path']))[0]
        canvas.save(osp.join(out_dir, name + '.png'))
        summary = f'{name}: {len(regions)} regions'
        if ocr_loader is not None:
            summary += (f', {len(lines)} OCR lines, {(~inside).sum()} '
                        'outside regions')
        tqdm.write('; '.join([summary, *notes]))
        totals['regions'] += len(regions)
        totals['lines'] += len(lines)
        totals['outside'] += int((~inside).sum())

    summary = f'total: {num_pages} pages, {totals["regions"]} regions'
    if ocr_loader is not None:
        share = 100 * totals['outside'] / max(totals['lines'], 1)
        summary += (f', {totals["lines"]} OCR lines, {totals["outside"]} '
                    f'({share:.1f} %) outside regions, {totals["missing"]} '
                    f'pages without OCR, {totals["scaled"]} with OCR '
                    'scaled')
    print(f'{summary}; images in {out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
