from .layoutlmv3_pretrainer import LayoutLMv3Pretrainer

__all__ = ['LayoutLMv3Pretrainer']
