from .layoutlmv3_mm import LayoutLMv3Arch, LayoutLMv3MM, LayoutLMv3Output
from .two_stream_backbone import TwoStreamBackbone

__all__ = [
    'LayoutLMv3Arch', 'LayoutLMv3MM', 'LayoutLMv3Output', 'TwoStreamBackbone'
]
