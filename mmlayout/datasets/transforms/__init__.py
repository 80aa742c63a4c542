from .ocr_token_load import OCRTokenLoad, get_tokenizer
from .pack_layout_inputs import PackLayoutInputs
from .pretrain_masking import PretrainMasking
from .random_text_drop import RandomTextDrop

__all__ = [
    'OCRTokenLoad', 'get_tokenizer', 'PackLayoutInputs', 'PretrainMasking',
    'RandomTextDrop'
]
