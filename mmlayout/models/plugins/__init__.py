from .text_box_fusion import TextBoxFusion, word_token_mask

__all__ = ['TextBoxFusion', 'word_token_mask']
