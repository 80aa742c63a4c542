from .codebook_metric import CodebookMetric
from .pretrain_metric import PretrainMetric

__all__ = ['CodebookMetric', 'PretrainMetric']
