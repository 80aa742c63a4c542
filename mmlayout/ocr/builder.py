"""Build an OCR engine by name."""
from .base import BaseOCREngine
from .paddleocr_engine import PaddleOCREngine
from .rapidocr_engine import RapidOCREngine

#: Engine classes by name. Engines import their OCR library only when built.
OCR_ENGINES = {
    RapidOCREngine.name: RapidOCREngine,
    PaddleOCREngine.name: PaddleOCREngine,
}


def build_ocr_engine(name: str = 'rapidocr',
                     lang: str = 'ch',
                     **kwargs) -> BaseOCREngine:
    """Build an OCR engine.

    Args:
        name (str): ``'rapidocr'`` (default, offline) or ``'paddleocr'``.
        lang (str): Language code passed to the engine. Defaults to ``'ch'``
            (Chinese and English).
        **kwargs: Engine-specific options.

    Returns:
        BaseOCREngine: Call it on an image to get its text lines.
    """
    if name not in OCR_ENGINES:
        raise ValueError(f'unknown OCR engine {name!r}; available: '
                         f'{", ".join(sorted(OCR_ENGINES))}')
    return OCR_ENGINES[name](lang=lang, **kwargs)
