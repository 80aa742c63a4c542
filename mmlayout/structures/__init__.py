from .text import stack_batch_text

__all__ = ['stack_batch_text']
