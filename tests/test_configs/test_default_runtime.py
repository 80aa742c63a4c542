"""Every config inherits the runtime hooks of configs/_base_/default_runtime.py
(rank-0 test metrics, random states in checkpoints)."""
import os.path as osp

import pytest
from helpers.configs import check_runtime_hooks, find_configs

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', '..', 'configs')
RUNNABLE = find_configs(CONFIG_ROOT)


def test_configs_found():
    assert 'demo/r18_cascade_synth.py' in RUNNABLE


@pytest.mark.parametrize('config', RUNNABLE)
def test_config_keeps_the_runtime_hooks(config):
    check_runtime_hooks(osp.join(CONFIG_ROOT, config))
