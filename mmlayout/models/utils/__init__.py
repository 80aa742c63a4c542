from .layoutlmv3_checkpoint import (CheckpointMismatchError,
                                    load_layoutlmv3_weights)
from .reads_text import reads_text
from .word_patch_alignment import masked_box_share

__all__ = [
    'CheckpointMismatchError', 'load_layoutlmv3_weights', 'masked_box_share',
    'reads_text'
]
