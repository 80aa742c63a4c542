from .layoutlmv3_checkpoint import (
                                    CheckpointShapeError,
                                    load_layoutlmv3_weights,
                                    resize_pos_embed,
)

__all__ = [
    'CheckpointShapeError', 'load_layoutlmv3_weights', 'resize_pos_embed'
]
