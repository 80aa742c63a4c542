from .layoutlmv3_layers import (BiasedSelfAttention, FeedForward,
                                LayoutLMv3AttentionBias, LayoutLMv3Block,
                                LayoutLMv3TextEmbedding,
                                TrainableBiasAttention, patch_grid_boxes,
                                relative_position_buckets)

__all__ = [
    'BiasedSelfAttention', 'FeedForward', 'LayoutLMv3AttentionBias',
    'LayoutLMv3Block', 'LayoutLMv3TextEmbedding', 'TrainableBiasAttention',
    'patch_grid_boxes', 'relative_position_buckets'
]
