from .layout_data_preprocessor import LayoutDataPreprocessor

__all__ = ['LayoutDataPreprocessor']
