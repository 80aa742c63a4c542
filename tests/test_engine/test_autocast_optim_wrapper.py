import pytest
import torch
import torch.nn as nn
from mmdet.registry import OPTIM_WRAPPERS

import mmlayout  # noqa: F401


def build(model, **kwargs):
    return OPTIM_WRAPPERS.build(dict(
        type='AutocastOptimWrapper',
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs))


def test_forward_runs_in_bfloat16_and_weights_stay_float32():
    torch.manual_seed(0)
    model = nn.Linear(8, 4)
    before = model.weight.detach().clone()
    wrapper = build(model)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(before, model.weight)
    assert model(torch.randn(2, 8)).dtype == torch.float32  # outside context


def test_rejects_other_dtypes():
    with pytest.raises(ValueError, match='bfloat16'):
        build(nn.Linear(2, 2), dtype='float64')
