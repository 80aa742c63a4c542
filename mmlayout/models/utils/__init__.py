from .layoutlmv3_checkpoint import (
                                    CheckpointMismatchError,
                                    load_layoutlmv3_weights,
                                    resize_pos_embed,
)

__all__ = [
    'CheckpointMismatchError', 'load_layoutlmv3_weights', 'resize_pos_embed'
]
