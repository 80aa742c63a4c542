from .float32_head_outputs import decode_boxes_in_float32, to_float32
from .layoutlmv3_checkpoint import (CheckpointMismatchError,
                                    load_layoutlmv3_weights)
from .reads_text import reads_text
from .word_patch_alignment import masked_box_share

__all__ = [
    'CheckpointMismatchError', 'decode_boxes_in_float32',
    'load_layoutlmv3_weights', 'masked_box_share', 'reads_text', 'to_float32'
]
