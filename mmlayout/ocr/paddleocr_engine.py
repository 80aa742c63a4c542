"""PaddleOCR 3.x behind the :class:`BaseOCREngine` interface (optional)."""
import importlib.metadata
from typing import List, Mapping, Optional

import numpy as np

from .base import BaseOCREngine, OCRLine, lines_from_quads


def paddle_result_to_lines(result: Mapping) -> List[OCRLine]:
    """Map one page of PaddleOCR 3.x ``predict()`` output to OCR lines.

    Args:
        result (Mapping): One element of ``PaddleOCR.predict(...)``: an
            ``OCRResult`` (a dict) with ``rec_texts`` (N strings),
            ``rec_scores`` (N floats), ``rec_polys`` ((N, 4, 2) points) and
            ``rec_boxes`` ((N, 4) ``x0, y0, x1, y1``), or its ``.json`` form
            ``{'res': {...}}`` with the same keys as lists. ``dt_polys`` are
            the detections before recognition filtering; they are used only
            when ``rec_polys`` and ``rec_boxes`` are both absent and the
            counts match.

    Returns:
        list[OCRLine]: Lines in pixel coordinates of the input image.
    """
    if 'rec_texts' not in result and isinstance(result.get('res'), Mapping):
        result = result['res']
    if 'rec_texts' not in result:
        raise ValueError('PaddleOCR result has no rec_texts; keys: '
                         f'{sorted(result)}')
    texts = list(result['rec_texts'])
    scores = result.get('rec_scores')
    scores = None if scores is None else [float(s) for s in scores]
    if result.get('rec_polys') is not None and len(result['rec_polys']):
        quads = np.asarray(result['rec_polys'], dtype=np.float64)
    elif result.get('rec_boxes') is not None and len(result['rec_boxes']):
        x0, y0, x1, y1 = np.asarray(
            result['rec_boxes'], dtype=np.float64).reshape(-1, 4).T
        quads = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1),
                          np.stack([x1, y1], 1), np.stack([x0, y1], 1)], 1)
    elif (result.get('dt_polys') is not None
          and len(result['dt_polys']) == len(texts)):
        quads = np.asarray(result['dt_polys'], dtype=np.float64)
    else:
        quads = np.zeros((0, 4, 2))
    return lines_from_quads(quads, texts, scores)


class PaddleOCREngine(BaseOCREngine):
    """OCR with `PaddleOCR <https://github.com/PaddlePaddle/PaddleOCR>`_ 3.x.

    Optional: needs ``pip install 'mmlayout[paddle]'`` (paddleocr,
    paddlepaddle), and PaddleOCR downloads its models on first use.

    Args:
        lang (str): PaddleOCR language code. Defaults to ``'ch'``.
        num_threads (int, optional): CPU threads (PaddleOCR's
            ``cpu_threads``); None keeps PaddleOCR's default.
        **kwargs: Passed to ``paddleocr.PaddleOCR``; document unwarping and
            orientation classifiers are off unless asked for here.
    """

    name = 'paddleocr'

    def __init__(self,
                 lang: str = 'ch',
                 num_threads: Optional[int] = None,
                 **kwargs):
        try:
            from paddleocr import PaddleOCR
        except ImportError as e:
            raise ImportError(
                'The paddleocr OCR engine needs PaddleOCR 3.x and '
                "PaddlePaddle: pip install 'mmlayout[paddle]' (paddleocr>=3.0 "
                'paddlepaddle); PaddleOCR downloads its models on first use. '
                "The default engine 'rapidocr' runs the same PP-OCR models "
                f'offline. Import failed: {e}') from e
        options = dict(
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False)
        if num_threads is not None:
            options['cpu_threads'] = int(num_threads)
        options.update(kwargs)
        self.lang = lang
        self._ocr = PaddleOCR(lang=lang, **options)

    @property
    def version(self) -> str:
        return f"paddleocr {importlib.metadata.version('paddleocr')}"

    def recognize(self, image: np.ndarray) -> List[OCRLine]:
        # PaddleOCR takes arrays in OpenCV's BGR order.
        results = self._ocr.predict(np.ascontiguousarray(image[..., ::-1]))
        return paddle_result_to_lines(results[0]) if results else []
