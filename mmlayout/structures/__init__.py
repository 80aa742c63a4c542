from .layout_inputs import LayoutInputs
from .text import batch_valid_shapes, stack_batch_text, word_token_mask

__all__ = [
    'LayoutInputs', 'batch_valid_shapes', 'stack_batch_text',
    'word_token_mask'
]
