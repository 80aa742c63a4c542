from .layout_cascade_rcnn import LayoutCascadeRCNN

__all__ = ['LayoutCascadeRCNN']
