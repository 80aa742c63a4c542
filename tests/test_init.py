import torch
from mmdet.registry import DATASETS, OPTIM_WRAPPERS
from mmengine.logging import HistoryBuffer

import mmlayout


def test_import_registers_components():
    assert mmlayout.__version__
    for name in ('CDLADataset', 'PubLayNetDataset'):
        assert DATASETS.get(name) is not None, name
    assert OPTIM_WRAPPERS.get('AutocastOptimWrapper') is not None


def test_import_allow_lists_mmengine_checkpoint_types():
    assert HistoryBuffer in torch.serialization.get_safe_globals()
