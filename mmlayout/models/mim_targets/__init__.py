from .normalized_pixel_target import NormalizedPixelTarget
from .vq_token_target import VQTokenTarget

__all__ = ['NormalizedPixelTarget', 'VQTokenTarget']
