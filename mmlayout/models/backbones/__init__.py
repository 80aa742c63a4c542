from .layoutlmv3_mm import LayoutLMv3Arch, LayoutLMv3MM, LayoutLMv3Output

__all__ = ['LayoutLMv3Arch', 'LayoutLMv3MM', 'LayoutLMv3Output']
