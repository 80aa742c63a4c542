from .layer_norm_2d import LayerNorm2d
from .layoutlmv3_layers import (BiasedSelfAttention, FeedForward,
                                LayoutLMv3AttentionBias, LayoutLMv3Block,
                                LayoutLMv3TextEmbedding, patch_grid_boxes,
                                relative_position_buckets,
                                valid_area_patch_boxes)
from .pos_embed import resize_pos_embed
from .prediction_head import PredictionHead

__all__ = [
    'BiasedSelfAttention', 'FeedForward', 'LayerNorm2d',
    'LayoutLMv3AttentionBias',
    'LayoutLMv3Block', 'LayoutLMv3TextEmbedding', 'PredictionHead',
    'patch_grid_boxes', 'relative_position_buckets', 'resize_pos_embed',
    'valid_area_patch_boxes'
]
