"""Inference speed and peak memory of a detector config, page by page.

Builds the config's model (random weights without ``--checkpoint``), runs
its test pipeline (annotations left out) and ``test_step`` on pages, after
``--warmup`` untimed batches, and prints pages/s and ms/page (median and
mean, split into data pipeline and model), the peak memory (the process's
RSS; on a GPU also ``torch.cuda.max_memory_allocated``), the CPU, torch
and the device.

Pages are the images of a folder (with the OCR JSON the config's
``OCRTokenLoad`` reads), or N synthetic pages: lines of text drawn with
PIL, with a matching OCR JSON, in a temporary folder. ``--with-ocr ENGINE``
also runs that OCR engine on every page inside the timed loop (its JSON
then replaces any on disk), and reports the time with OCR included.

``--dtype bf16`` autocasts the model to bfloat16: on a GPU, or on a CPU
with native bfloat16 (AVX512-BF16 or AMX); elsewhere it would be emulated,
slower than fp32, and the tool refuses. Text-aware configs need their
tokenizer (``--cfg-options tokenizer=DIR``).

Example::

    python tools/analysis_tools/benchmark.py \
        configs/demo/layoutmm-tiny_cascade_synth.py --pages 8 \
        --cfg-options tokenizer=data/synth_cdla/tokenizer
"""
import argparse
import glob
import os
import os.path as osp
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from PIL import Image, ImageDraw, ImageFont

from mmlayout.ocr import OCR_ENGINES, build_ocr_engine, write_ocr_json
from mmlayout.utils import (add_cfg_options_argument, cpu_has_native_bf16,
                            cpu_model_name, prepare_config,
                            quantize_linear_int8)
from mmlayout.utils.fonts import find_cjk_font

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: Synthetic pages: A4 at about 120 dpi, one column of 20 px text.
PAGE_SIZE = (1000, 1414)
MARGIN = 80
FONT_SIZE = 20
LINE_HEIGHT = 32
WORDS = ('document', 'layout', 'analysis', 'detection', 'table', 'figure',
         'caption', 'results', 'model', 'page', 'region', 'the', 'of', 'and',
         'with', 'a', 'in', '文档', '版面', '分析', '检测', '表格', '图像',
         '模型', '结果', '实验', '方法')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint',
                        help='weights (default: random weights)')
    parser.add_argument('--device', choices=('cpu', 'cuda'),
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--dtype', choices=('fp32', 'bf16'), default='fp32')
    parser.add_argument(
        '--int8', action='store_true',
        help="int8 dynamic quantisation of the backbone's Linear layers "
        '(CPU)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--pages',
        default='8',
        help='number of synthetic pages, or a folder of page images')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed batches first')
    parser.add_argument('--short-side', type=int,
                        help="the test Resize's short side (default: the "
                        "config's)")
    parser.add_argument('--with-ocr', choices=sorted(OCR_ENGINES),
                        help='run this OCR engine on every page, timed')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def synthetic_page(rng: np.random.Generator,
                   font: ImageFont.ImageFont) -> Tuple[Image.Image, list]:
    """A white page with lines of words, and its OCR lines."""
    image = Image.new('RGB', PAGE_SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    column = PAGE_SIZE[0] - 2 * MARGIN
    lines = []
    for y in range(MARGIN, PAGE_SIZE[1] - MARGIN - LINE_HEIGHT, LINE_HEIGHT):
        if rng.random() < 0.15:  # a gap between paragraphs
            continue
        text = ''
        for word in rng.choice(WORDS, size=40):
            longer = f'{text} {word}'.lstrip()
            if font.getlength(longer) > column:
                break
            text = longer
        draw.text((MARGIN, y), text, fill=(0, 0, 0), font=font)
        lines.append(dict(text=text, box=list(
            draw.textbbox((MARGIN, y), text, font=font))))
    return image, lines


def make_pages(folder: str, count: int) -> List[str]:
    """Write ``count`` synthetic pages to ``folder/images`` and their OCR
    JSON to ``folder/ocr``; returns the image paths."""
    font_path = find_cjk_font()
    font = (ImageFont.truetype(font_path, FONT_SIZE) if font_path else
            ImageFont.load_default(FONT_SIZE))
    os.makedirs(osp.join(folder, 'images'))
    paths = []
    for index in range(count):
        image, lines = synthetic_page(np.random.default_rng(index), font)
        path = osp.join(folder, 'images', f'page_{index:04d}.png')
        image.save(path)
        write_ocr_json(osp.join(folder, 'ocr', f'page_{index:04d}.json'),
                       *PAGE_SIZE, lines, 'synthetic')
        paths.append(path)
    return paths


def folder_pages(folder: str) -> List[str]:
    paths = sorted(path for path in glob.glob(osp.join(folder, '*'))
                   if path.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise FileNotFoundError(f'--pages {folder}: no images '
                                f'({", ".join(IMAGE_EXTENSIONS)}) there')
    return paths


def load_config(config_path: str, cfg_options, short_side: Optional[int]):
    """Register mmdet's and mmlayout's components, load and prepare the
    config; return it and its :func:`inference_pipeline`."""
    from mmdet.utils import register_all_modules

    import mmlayout  # noqa: F401  registers mmlayout components
    register_all_modules()
    cfg = Config.fromfile(config_path)
    prepare_config(cfg, config_path, cfg_options=cfg_options)
    return cfg, inference_pipeline(cfg, config_path, short_side)


def inference_pipeline(cfg: Config, config_path: str,
                  short_side: Optional[int]) -> List[dict]:
    """The config's test pipeline without ``LoadAnnotations``, its
    ``Resize`` set to ``short_side`` when given."""
    pipeline = [t.copy() for t in cfg.test_dataloader.dataset.pipeline
                if t.type != 'LoadAnnotations']
    if short_side is not None:
        resizes = [t for t in pipeline if t.type == 'Resize']
        if not resizes:
            raise KeyError(f'{config_path}: no Resize in test_dataloader.'
                           'dataset.pipeline for --short-side')
        for transform in resizes:
            transform.update(scale=(1333, short_side), keep_ratio=True)
    return pipeline


def milliseconds(times: List[float]) -> str:
    ms = 1000 * np.array(times)
    return f'median {np.median(ms):.1f}, mean {ms.mean():.1f}'


def device_check(args) -> Optional[str]:
    """Why the device and dtype cannot be benchmarked here, or None."""
    if args.device == 'cuda' and not torch.cuda.is_available():
        return '--device cuda: torch sees no CUDA device here'
    if args.int8 and args.device != 'cpu':
        return '--int8: dynamic int8 quantisation runs on the CPU only'
    if args.dtype != 'bf16':
        return None
    if args.device == 'cuda' and not torch.cuda.is_bf16_supported():
        return f'--dtype bf16: {torch.cuda.get_device_name()} has no bfloat16'
    if args.device == 'cpu' and not cpu_has_native_bf16():
        return ('--dtype bf16: this CPU has no native bfloat16 (AVX512-BF16 '
                'or AMX; capability '
                f'{torch.backends.cpu.get_cpu_capability()}), so bfloat16 '
                'would be emulated and slower than fp32: benchmark fp32 here')
    return None


class PageTimer:
    """Runs a batch of pages through the OCR engine (if any), the test
    pipeline and the model's ``test_step``; times each stage.

    Args:
        paths (list[str]): The page images.
        pipeline (list[dict]): The test pipeline.
        model: The detector, on ``device``, in eval mode.
        device (str): ``'cpu'`` or ``'cuda'``.
        dtype (str): ``'fp32'`` or ``'bf16'`` (autocast).
        engine (BaseOCREngine, optional): Writes each page's OCR JSON to
            ``ocr_dir`` before the pipeline reads it.
        ocr_dir (str): Where the engine's OCR JSON goes.
    """

    def __init__(self, paths: List[str], pipeline: List[dict], model,
                 device: str, dtype: str, engine, ocr_dir: str) -> None:
        from mmengine.dataset import Compose
        self.paths = paths
        self.sizes = [Image.open(path).size for path in paths]
        self.transforms = Compose(pipeline)
        self.model = model
        self.device = device
        self.autocast = (torch.autocast(device, dtype=torch.bfloat16)
                         if dtype == 'bf16' else nullcontext())
        self.engine = engine
        self.ocr_dir = ocr_dir

    def _now(self) -> float:
        if self.device == 'cuda':
            torch.cuda.synchronize()
        return time.perf_counter()

    def __call__(self, batch: List[int]) -> Tuple[Dict[str, float], list]:
        """Seconds per page of each stage (``OCR``, ``pipeline``,
        ``model``) for the pages of indices ``batch``, and their data
        samples."""
        from mmengine.dataset import pseudo_collate
        start = self._now()
        for index in batch if self.engine else ():
            stem = osp.splitext(osp.basename(self.paths[index]))[0]
            write_ocr_json(osp.join(self.ocr_dir, stem + '.json'),
                           *self.sizes[index], self.engine(self.paths[index]),
                           self.engine.version)
        loaded = self._now()
        data = pseudo_collate([
            self.transforms(dict(img_path=self.paths[index], img_id=index))
            for index in batch
        ])
        prepared = self._now()
        with torch.no_grad(), self.autocast:
            self.model.test_step(data)
        done = self._now()
        return {'OCR': (loaded - start) / len(batch),
                'pipeline': (prepared - loaded) / len(batch),
                'model': (done - prepared) / len(batch)
                }, data['data_samples']


def main(argv=None) -> int:
    args = parse_args(argv)
    problem = device_check(args)
    if not (osp.isdir(args.pages) or args.pages.isdigit()
            and int(args.pages) > 0):
        problem = (f'--pages {args.pages}: neither a number of pages nor a '
                   'folder')
    if args.batch_size < 1:
        problem = f'--batch-size {args.batch_size}: must be 1 or more'
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from mmdet.registry import MODELS
    from mmengine.runner import load_checkpoint

    cfg, pipeline = load_config(args.config, args.cfg_options,
                                args.short_side)
    ocr_cfgs = [t for t in pipeline if t.type == 'OCRTokenLoad']
    engine = None
    if args.with_ocr and not ocr_cfgs:
        print(f'{args.config} is image-only (no OCRTokenLoad): --with-ocr '
              'ignored')
    elif args.with_ocr:
        try:
            engine = build_ocr_engine(args.with_ocr)
        except ImportError as e:
            print(f'OCR engine {args.with_ocr} is not installed: {e}',
                  file=sys.stderr)
            return 1

    with tempfile.TemporaryDirectory() as folder:
        if osp.isdir(args.pages):
            paths = folder_pages(args.pages)
            source = f'{len(paths)} pages of {args.pages}'
        else:
            paths = make_pages(folder, int(args.pages))
            source = (f'{len(paths)} synthetic pages {PAGE_SIZE[0]}x'
                      f'{PAGE_SIZE[1]}')
        if engine or not osp.isdir(args.pages):
            # the OCR the engine writes in the loop, or the synthetic one
            for transform in ocr_cfgs:
                transform.ocr_root = osp.join(folder, 'ocr')

        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        if args.checkpoint:
            load_checkpoint(model, args.checkpoint, map_location='cpu')
        model.to(args.device).eval()
        quantized = quantize_linear_int8(model) if args.int8 else 0
        timer = PageTimer(paths, pipeline, model, args.device, args.dtype,
                          engine, osp.join(folder, 'ocr'))
        if args.device == 'cuda':
            torch.cuda.reset_peak_memory_stats()
        size = args.batch_size
        for step in range(args.warmup):
            timer([(step * size + i) % len(paths) for i in range(size)])
        batches = [list(range(start, min(start + size, len(paths))))
                   for start in range(0, len(paths), size)]
        times = {'OCR': [], 'pipeline': [], 'model': []}
        tokens = []
        for batch in batches:
            seconds, samples = timer(batch)
            for stage, value in seconds.items():
                times[stage].append(value)
            tokens += [len(s.text.input_ids) for s in samples if 'text' in s]
            if batch[0] == 0:
                height, width = samples[0].img_shape

    print(f'CPU: {cpu_model_name()} ({os.cpu_count()} cores), torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads, '
          f'capability {torch.backends.cpu.get_cpu_capability()}')
    if args.device == 'cuda':
        print(f'GPU: {torch.cuda.get_device_name()}, CUDA '
              f'{torch.version.cuda}')
    parameters = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'model: {cfg.model.type} of {args.config}, {parameters:.2f} M '
          f'parameters, weights '
          f'{args.checkpoint or "random (no --checkpoint)"}')
    print(f'run: {args.device}, {args.dtype}'
          f'{f", int8 Linear layers ({quantized})" if args.int8 else ""}, '
          f'batch size {size}, '
          f'{len(paths)} pages in {len(batches)} batches timed after '
          f'{args.warmup} warm-up batches')
    text = (f'{np.mean(tokens):.0f} tokens/page (mean)' if tokens else
            'image-only')
    print(f'pages: {source}; model input {width}x{height} (first page), '
          f'{text}')
    excluded = np.add(times['pipeline'], times['model'])
    print(f'OCR excluded: {1 / excluded.mean():.2f} pages/s; ms/page '
          f'{milliseconds(excluded)} (pipeline '
          f'{milliseconds(times["pipeline"])}; model '
          f'{milliseconds(times["model"])})')
    if engine is None:
        print('OCR included: not measured (--with-ocr ENGINE)')
    else:
        included = excluded + np.array(times['OCR'])
        print(f'OCR included ({engine.version}): {1 / included.mean():.2f} '
              f'pages/s; ms/page {milliseconds(included)} (OCR '
              f'{milliseconds(times["OCR"])})')
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    memory = f'peak memory: RSS {rss:.2f} GB (whole process)'
    if args.device == 'cuda':
        memory += (f', GPU {torch.cuda.max_memory_allocated() / 2**30:.2f} '
                   'GB allocated')
    print(memory)
    return 0


if __name__ == '__main__':
    sys.exit(main())
