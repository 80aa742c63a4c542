from .normalized_pixel_target import NormalizedPixelTarget

__all__ = ['NormalizedPixelTarget']
