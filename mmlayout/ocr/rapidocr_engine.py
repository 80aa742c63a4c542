"""RapidOCR: PaddleOCR's PP-OCR models run with onnxruntime (the default)."""
import importlib.metadata
from typing import List, Optional

import numpy as np

from .base import BaseOCREngine, OCRLine, lines_from_quads


class RapidOCREngine(BaseOCREngine):
    """OCR with `RapidOCR <https://github.com/RapidAI/RapidOCR>`_ 3.x.

    The wheel ships PP-OCR detection and recognition models as ONNX files, so
    it runs offline; one multilingual model reads Chinese and English.

    Args:
        lang (str): Recognition language, a RapidOCR ``lang_type`` such as
            ``'ch'`` (Chinese and English) or ``'en'``. Defaults to ``'ch'``.
        num_threads (int, optional): onnxruntime threads per model; None lets
            onnxruntime use every core. Set it when running several engines
            in parallel processes.
        params (dict, optional): Extra RapidOCR parameters, e.g.
            ``{'Global.text_score': 0.6}``; they override the ones above.
    """

    name = 'rapidocr'

    def __init__(self,
                 lang: str = 'ch',
                 num_threads: Optional[int] = None,
                 params: Optional[dict] = None):
        try:
            import onnxruntime  # noqa: F401
            from rapidocr import RapidOCR
        except ImportError as e:
            raise ImportError(
                'The rapidocr OCR engine needs the rapidocr and onnxruntime '
                "packages: pip install 'mmlayout[ocr]' "
                f'(rapidocr>=3.0 onnxruntime). Import failed: {e}') from e
        config = {
            'Global.log_level': 'warning',
            'Det.lang_type': lang,
            'Rec.lang_type': lang,
        }
        if num_threads is not None:
            config['EngineConfig.onnxruntime.intra_op_num_threads'] = int(
                num_threads)
            config['EngineConfig.onnxruntime.inter_op_num_threads'] = 1
        config.update(params or {})
        self.lang = lang
        self._ocr = RapidOCR(params=config)

    @property
    def version(self) -> str:
        return f"rapidocr {importlib.metadata.version('rapidocr')}"

    def recognize(self, image: np.ndarray) -> List[OCRLine]:
        # RapidOCR takes arrays in OpenCV's BGR order.
        result = self._ocr(np.ascontiguousarray(image[..., ::-1]))
        if result.boxes is None or result.txts is None:
            return []
        return lines_from_quads(result.boxes, result.txts, result.scores)
