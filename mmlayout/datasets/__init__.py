from .cdla import CDLADataset
from .publaynet import PubLayNetDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['CDLADataset', 'PubLayNetDataset']
