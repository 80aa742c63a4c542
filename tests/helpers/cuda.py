"""Skip markers for tests that need a GPU, with the reason pytest shows
(``pytest -rs``): on the CPU machines the project is built on, these tests
are collected and skipped, and ``tools/gpu_smoke.sh`` runs them on a GPU.

    from helpers.cuda import requires_cuda, requires_cuda_ops

    @requires_cuda_ops
    def test_roi_align_on_cuda(): ...
"""
from typing import Optional

import pytest
import torch


def cuda_skip_reason() -> Optional[str]:
    """Why CUDA tests cannot run here, or None when a GPU is usable."""
    if torch.version.cuda is None:
        return (f'needs CUDA: torch {torch.__version__} is a CPU build '
                '(GPU stack: MMLAYOUT_DEVICE=cuda bash tools/setup_env.sh)')
    if not torch.cuda.is_available():
        return (f'needs a CUDA GPU: torch {torch.__version__} (CUDA '
                f'{torch.version.cuda}) sees none here')
    return None


def cuda_ops_skip_reason() -> Optional[str]:
    """Why tests of mmcv's CUDA ops cannot run here, or None."""
    reason = cuda_skip_reason()
    if reason is not None:
        return reason
    try:
        from mmcv.ops import get_compiling_cuda_version
    except ImportError as error:
        return f'needs mmcv with compiled ops: {error}'
    if get_compiling_cuda_version() == 'not available':
        return ('needs mmcv ops compiled with CUDA; this mmcv has CPU ops '
                'only (MMLAYOUT_DEVICE=cuda bash tools/setup_env.sh)')
    return None


_CUDA_REASON = cuda_skip_reason()
_CUDA_OPS_REASON = cuda_ops_skip_reason()
#: A CUDA device is usable.
requires_cuda = pytest.mark.skipif(
    _CUDA_REASON is not None, reason=_CUDA_REASON or '')
#: A CUDA device and mmcv's ops compiled with CUDA.
requires_cuda_ops = pytest.mark.skipif(
    _CUDA_OPS_REASON is not None, reason=_CUDA_OPS_REASON or '')
