"""mmlayout: text-aware document layout analysis on MMDetection 3.x.

Importing the package registers every mmlayout component into mmdet's
registries, so configs only need
``custom_imports=dict(imports=['mmlayout'], allow_failed_imports=False)``.
It also allow-lists the few non-tensor types MMEngine stores in its
checkpoints, so resuming works with ``torch.load``'s ``weights_only`` default,
makes MMEngine write local files (checkpoints) atomically, lets mmcv's
float32-only CPU ops run under CPU autocast (``--amp``), and hands mmcv's
RoIAlign and nms contiguous tensors (its CPU RoIAlign misreads strided maps,
such as LayoutLMv3MM's).
"""
# registration
from . import datasets, engine, evaluation, models  # noqa: F401
from .utils import (allow_mmengine_checkpoints,
                    give_mmcv_ops_contiguous_inputs,
                    run_mmcv_ops_in_float32_under_cpu_autocast,
                    use_atomic_local_files)
from .version import __version__

allow_mmengine_checkpoints()
use_atomic_local_files()
run_mmcv_ops_in_float32_under_cpu_autocast()
give_mmcv_ops_contiguous_inputs()

__all__ = ['__version__']
