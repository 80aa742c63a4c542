from .row_span_sum import RowSpanSum
from .trainable_bias_attention import TrainableBiasAttention

__all__ = ['RowSpanSum', 'TrainableBiasAttention']
