from .text_box_fusion import TextBoxFusion

__all__ = ['TextBoxFusion']
