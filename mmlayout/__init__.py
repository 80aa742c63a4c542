"""mmlayout: text-aware document layout analysis on MMDetection 3.x.

Importing the package registers every mmlayout component into mmdet's
registries, so configs only need
``custom_imports=dict(imports=['mmlayout'], allow_failed_imports=False)``.
It also allow-lists the few non-tensor types MMEngine stores in its
checkpoints, so resuming works with ``torch.load``'s ``weights_only`` default.
"""
from . import datasets, engine, models  # noqa: F401  (registration)
from .utils import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

__all__ = ['__version__']
