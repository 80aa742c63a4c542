"""LayoutInferencer: a trained layout model on images, folders and PDFs."""
import copy
import os.path as osp
import warnings
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

import mmlayout  # noqa: F401  registers mmlayout components
from mmlayout.ocr import BaseOCREngine, OCRLine, build_ocr_engine
from mmlayout.ocr import load_ocr_json, reading_order
from mmlayout.models.utils import reads_text
from mmlayout.utils.memory import release_free_heap_memory
from mmlayout.utils.runtime import apply_text_keys
from .page_sources import InputType, PageSource, iter_page_sources
from .results import PageResult, Region, assign_lines


class _PreparedPage(NamedTuple):
    """A page read and through the test pipeline, waiting for the model."""
    result: PageResult
    data: Optional[dict]  # None when the page failed
    lines: List[OCRLine]  # its text lines, in pixels of the page


#: Transforms of a test pipeline that read files or ground truth; the
#: inferencer hands the pipeline the image (and the text) itself.
_LOADERS = {'LoadImageFromFile', 'mmdet.LoadImageFromFile'}
_ANNOTATIONS = {'LoadAnnotations', 'mmdet.LoadAnnotations'}
_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')


def _model_reads_text(model: torch.nn.Module) -> bool:
    """Whether the model's backbone takes the page text."""
    return reads_text(getattr(model, 'backbone', None))


class LayoutInferencer:
    """Run a layout model on pages and return their regions with text.

    In the spirit of mmdet's ``DetInferencer``: built from a config and a
    checkpoint, it takes an image, a folder, a PDF, an array or a list of
    them, and yields one :class:`PageResult` per page as soon as its batch is
    done (a generator: memory stays flat over any number of pages).

    The text of each page, for the model (text-aware configs) and for the
    regions, comes from the first of:

    1. the PDF text layer of a born-digital PDF page;
    2. ``<ocr_cache>/<page id>.json`` (OCR JSON, e.g. from
       ``data_tools/ocr_images.py`` or ``pdf2pages.py``);
    3. the OCR engine ``ocr``, run on the page now;
    4. nothing: an image-only model works as usual; a text-aware model sees
       a page without text (``<s></s>``), as in training with
       ``on_missing='empty'``, and the first such page of the inferencer
       raises a ``UserWarning`` (a text-aware model may find few regions
       on pages it sees without their words).

    A page that cannot be read (missing or corrupt image, broken PDF,
    unreadable OCR file) gets a result with ``error`` set; the other pages
    go on.

    Args:
        config (str | Config): The model's config.
        checkpoint (str, optional): Its trained weights. Without one the
            model keeps its initial weights (for benchmarks and tests).
        device (str): ``'cpu'``, ``'cuda'`` or ``'cuda:N'``.
        ocr (str | BaseOCREngine, optional): ``'rapidocr'``,
            ``'paddleocr'``, an engine, or None/``'none'`` for no OCR.
        ocr_cache (str, optional): Folder of OCR JSON files named by page
            id.
        score_thr (float): Regions scoring below are dropped. Defaults to
            0.3.
        batch_size (int): Pages per model call. Defaults to 1.
        pdf_dpi (float): Resolution PDF pages are rendered at. Defaults to
            144.
        cfg_options (dict, optional): Config overrides, as
            ``--cfg-options`` (e.g. ``{'tokenizer': 'path/to/tokenizer'}``).
        ocr_kwargs (dict, optional): Arguments of the OCR engine (e.g.
            ``lang``).
        release_memory_every (int): After the model has run on this many
            pages, hand the memory that the C allocator keeps for reuse back
            to the system (:func:`~mmlayout.utils.release_free_heap_memory`),
            so that the resident set size follows the memory in use over
            long runs instead of creeping up (pages of different sizes
            fragment the heap); 0 never (a few % faster on a CPU).
            Defaults to 1 (after every batch).
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 ocr: Union[str, BaseOCREngine, None] = None,
                 ocr_cache: Optional[str] = None,
                 score_thr: float = 0.3,
                 batch_size: int = 1,
                 pdf_dpi: float = 144,
                 cfg_options: Optional[dict] = None,
                 ocr_kwargs: Optional[dict] = None,
                 release_memory_every: int = 1) -> None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if release_memory_every < 0:
            raise ValueError(f'release_memory_every must be >= 0 (0: never), '
                             f'got {release_memory_every}')
        if ocr_cache is not None and not osp.isdir(ocr_cache):
            raise FileNotFoundError(
                f'OCR cache folder {ocr_cache!r} does not exist')
        cfg = (Config.fromfile(config)
               if isinstance(config, str) else copy.deepcopy(config))
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        apply_text_keys(cfg)
        self.cfg = cfg
        init_default_scope(cfg.get('default_scope', 'mmdet'))
        self.model = MODELS.build(cfg.model)
        meta = {}
        if checkpoint is not None:
            meta = load_checkpoint(
                self.model, checkpoint, map_location='cpu').get('meta', {})
        self.classes = self._classes(cfg, meta)
        self.device = torch.device(device)
        self.model.to(self.device).eval()
        self.reads_text = _model_reads_text(self.model)
        self.pipeline = Compose(self._test_pipeline(cfg))
        if isinstance(ocr, str):
            ocr = None if ocr == 'none' else build_ocr_engine(
                ocr, **(ocr_kwargs or {}))
        self.ocr_engine = ocr
        self.ocr_cache = ocr_cache
        self.score_thr = score_thr
        self.batch_size = batch_size
        self.pdf_dpi = pdf_dpi
        self.release_memory_every = release_memory_every
        self._pages_since_release = 0
        self._warned_no_text = False

    @staticmethod
    def _classes(cfg: Config, meta: dict) -> Tuple[str, ...]:
        """Class names: the checkpoint's, else the test dataset's."""
        classes = (meta.get('dataset_meta') or {}).get('classes')
        if classes:
            return tuple(classes)
        dataset = cfg.test_dataloader.dataset
        classes = (dataset.get('metainfo') or {}).get('classes')
        if not classes:
            classes = DATASETS.get(dataset.type).METAINFO['classes']
        return tuple(classes)

    @staticmethod
    def _test_pipeline(cfg: Config) -> List[dict]:
        """The config's test pipeline, reading the image from an array and
        no annotations."""
        pipeline = []
        for transform in copy.deepcopy(cfg.test_dataloader.dataset.pipeline):
            kind = transform['type']
            if kind in _ANNOTATIONS:
                continue
            if kind in _LOADERS:
                transform = dict(transform, type='mmdet.LoadImageFromNDArray')
            if kind.endswith(('PackDetInputs', 'PackLayoutInputs')):
                keys = tuple(transform.get('meta_keys', _META_KEYS))
                transform['meta_keys'] = keys + tuple(
                    k for k in _META_KEYS if k not in keys)
            pipeline.append(transform)
        return pipeline

    def page_lines(self, page: PageSource, image: np.ndarray,
                   pdf_lines: Optional[List[OCRLine]]
                   ) -> Tuple[List[OCRLine], Tuple[int, int], str]:
        """The text lines of a page, the ``(height, width)`` their boxes are
        in pixels of, and where they came from (see the class docstring)."""
        height, width = image.shape[:2]
        if pdf_lines:
            return pdf_lines, (height, width), 'pdf'
        if self.ocr_cache is not None:
            path = osp.join(self.ocr_cache, page.page_id + '.json')
            if osp.exists(path):
                ocr_width, ocr_height, lines = load_ocr_json(path)
                return lines, (ocr_height, ocr_width), 'cache'
        if self.ocr_engine is not None:
            return self.ocr_engine(image), (height, width), 'ocr'
        return [], (height, width), 'none'

    def __call__(self,
                 inputs: InputType,
                 progress: bool = False) -> Iterator[PageResult]:
        """Yield the result of every page of ``inputs``, in order.

        Args:
            inputs: An image or PDF file, a folder of them, a glob, an
                ``(H, W, 3)`` RGB array, or a list of these.
            progress (bool): Show a progress bar (pages and pages/s).
        """
        sources = iter_page_sources(inputs, self.pdf_dpi)
        if progress:
            from tqdm import tqdm
            sources = tqdm(sources, unit='page', dynamic_ncols=True)
        batch: List[_PreparedPage] = []
        for page in sources:
            batch.append(self._prepare(page))
            if sum(p.data is not None for p in batch) == self.batch_size:
                yield from self._run(batch)
                batch = []
        yield from self._run(batch)

    def _prepare(self, page: PageSource) -> _PreparedPage:
        """Read a page and its text and run the test pipeline on them; on
        failure the result carries the error and the data is None."""
        result = PageResult(page.page_id, page.source, page.page_index)
        try:
            image, pdf_lines = page.load()
            result.height, result.width = image.shape[:2]
            result.image = image
            lines, ocr_shape, result.text_source = self.page_lines(
                page, image, pdf_lines)
            if (result.text_source == 'none' and self.reads_text
                    and not self._warned_no_text):
                self._warned_no_text = True
                warnings.warn(
                    f'the model reads the page text, but page '
                    f'{page.page_id!r} has none (no PDF text layer, no '
                    f'<ocr_cache>/{page.page_id}.json, OCR off): it sees '
                    f'the page without its words and may find few regions. '
                    f"Pass ocr='rapidocr' (infer.py --ocr rapidocr) or an "
                    f'ocr_cache. Warned once.',
                    stacklevel=2)
            data = self.pipeline(
                dict(
                    img=np.ascontiguousarray(image[..., ::-1]),  # BGR
                    img_id=page.page_id,
                    ocr_lines=lines,
                    ocr_shape=ocr_shape))
        except Exception as e:  # noqa: BLE001 - reported per page
            result.error = f'{type(e).__name__}: {e}'
            if page.source and page.source not in result.error:
                result.error = f'{page.source}: {result.error}'
            return _PreparedPage(result, None, [])
        # Region text in pixels of the page.
        scale_y = result.height / ocr_shape[0]
        scale_x = result.width / ocr_shape[1]
        lines = [
            OCRLine(line.text, (line.box[0] * scale_x, line.box[1] * scale_y,
                                line.box[2] * scale_x, line.box[3] * scale_y),
                    line.score) for line in lines if line.text.strip()
        ]
        return _PreparedPage(result, data, lines)

    def _run(self, batch: Sequence[_PreparedPage]) -> Iterator[PageResult]:
        """Run the model on the readable pages of a batch and yield all of
        them in order; when the model fails, the pages keep their text as
        unassigned lines beside the error."""
        ready = [page for page in batch if page.data is not None]
        if ready:
            try:
                with torch.no_grad():
                    samples = self.model.test_step(
                        pseudo_collate([page.data for page in ready]))
                for page, sample in zip(ready, samples):
                    self._fill_regions(page.result, sample.pred_instances,
                                       page.lines)
            except Exception as e:  # noqa: BLE001 - reported per page
                for page in ready:
                    page.result.error = f'{type(e).__name__}: {e}'
                    page.result.unassigned_lines = page.lines
        self._pages_since_release += len(batch)
        if (self.release_memory_every
                and self._pages_since_release >= self.release_memory_every):
            release_free_heap_memory()
            self._pages_since_release = 0
        for page in batch:
            yield page.result

    def _fill_regions(self, result: PageResult, instances,
                      lines: List[OCRLine]) -> None:
        """The regions above the score threshold, in reading order, each
        with its text lines."""
        scores = instances.scores.float().cpu().numpy()
        keep = np.flatnonzero(scores >= self.score_thr)
        keep = keep[np.argsort(-scores[keep], kind='stable')]
        boxes = instances.bboxes.float().cpu().numpy()[keep]
        boxes = boxes.clip(0, [result.width, result.height] * 2)
        labels = instances.labels.cpu().numpy()[keep]
        per_region, unassigned = assign_lines(boxes, lines, result.width)
        regions = [
            Region(self.classes[label], int(label), float(scores[i]),
                   tuple(float(v) for v in box), [lines[j] for j in mine])
            for i, label, box, mine in zip(keep, labels, boxes, per_region)
        ]
        order = reading_order(boxes, result.width)
        result.regions = [regions[i] for i in order]
        result.unassigned_lines = [lines[j] for j in unassigned]
