from .ocr_token_load import OCRTokenLoad
from .pack_layout_inputs import PackLayoutInputs
from .pretrain_masking import PretrainMasking
from .random_text_drop import RandomTextDrop

__all__ = [
    'OCRTokenLoad', 'PackLayoutInputs', 'PretrainMasking', 'RandomTextDrop'
]
