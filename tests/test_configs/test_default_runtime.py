"""Every config inherits the runtime hooks of configs/_base_/default_runtime.py
(rank-0 test metrics, random states in checkpoints)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', '..', 'configs')
RUNNABLE = [
    osp.relpath(path, CONFIG_ROOT) for path in sorted(
        glob.glob(f'{CONFIG_ROOT}/**/*.py', recursive=True))
    if '_base_' not in path
]


def test_configs_found():
    assert 'demo/r18_cascade_synth.py' in RUNNABLE


@pytest.mark.parametrize('config', RUNNABLE)
def test_config_keeps_the_runtime_hooks(config):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    assert cfg.default_hooks.logger.type == 'RankZeroLoggerHook'
    assert [hook.type for hook in cfg.custom_hooks] == ['RandomStateHook']
