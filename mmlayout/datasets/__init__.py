from .cdla import CDLADataset
from .layout_coco import LayoutCocoDataset, check_coco
from .page_folder import PageFolderDataset
from .publaynet import PubLayNetDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CDLADataset', 'LayoutCocoDataset', 'PageFolderDataset',
    'PubLayNetDataset', 'check_coco'
]
