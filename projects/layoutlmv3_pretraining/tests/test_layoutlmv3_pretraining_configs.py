"""This project's pre-training configs build, read unlabelled synthetic pages
and take one training step, and keep the runtime hooks (the checks of
tests/helpers/configs.py, which every config of configs/ gets too)."""
import os.path as osp

import pytest
from helpers.configs import (check_pretrain_config, check_runtime_hooks,
                             find_configs)

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', 'configs')
CONFIGS = find_configs(CONFIG_ROOT)


def test_configs_found():
    assert CONFIGS == [
        'layoutlmv3-tiny_pretrain_synth-text-decided.py',
        'layoutlmv3-tiny_pretrain_synth-text-decided_mim-pooled.py'
    ]


@pytest.mark.parametrize('config', CONFIGS)
def test_pretrain_config_builds_and_trains_one_step(config, synth_root):
    check_pretrain_config(osp.join(CONFIG_ROOT, config), synth_root)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_keeps_the_runtime_hooks(config):
    check_runtime_hooks(osp.join(CONFIG_ROOT, config))
