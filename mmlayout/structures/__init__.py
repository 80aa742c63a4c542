from .layout_inputs import LayoutInputs
from .layoutlmv3_output import LayoutLMv3Output
from .text import batch_valid_shapes, stack_batch_text, word_token_mask

__all__ = [
    'LayoutInputs', 'LayoutLMv3Output', 'batch_valid_shapes',
    'stack_batch_text', 'word_token_mask'
]
