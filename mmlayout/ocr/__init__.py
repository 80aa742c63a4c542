from .ocr_json import write_ocr_json

__all__ = ['write_ocr_json']
