from .layoutlmv3_mm import LayoutLMv3Arch, LayoutLMv3MM
from .two_stream_backbone import TwoStreamBackbone

__all__ = ['LayoutLMv3Arch', 'LayoutLMv3MM', 'TwoStreamBackbone']
