"""OCR engines, the OCR JSON files they write, and reading order."""
from .base import BaseOCREngine, OCRLine, load_image_rgb
from .builder import OCR_ENGINES, build_ocr_engine
from .ocr_json import OCRFormatError, load_ocr_json, write_ocr_json
from .paddleocr_engine import PaddleOCREngine, paddle_result_to_lines
from .rapidocr_engine import RapidOCREngine
from .reading_order import reading_order

__all__ = [
    'BaseOCREngine', 'OCRLine', 'load_image_rgb', 'OCR_ENGINES',
    'build_ocr_engine', 'OCRFormatError', 'load_ocr_json', 'write_ocr_json',
    'PaddleOCREngine', 'paddle_result_to_lines', 'RapidOCREngine',
    'reading_order'
]
