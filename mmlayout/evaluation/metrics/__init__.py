from .pretrain_metric import PretrainMetric

__all__ = ['PretrainMetric']
