"""Every config under configs/ builds, its training pipeline runs on
synthetic pages and its model and optimizer take one training step
(helpers/configs.py). The configs of projects/ are checked the same way by
each project's own tests (projects/*/tests/)."""
import os.path as osp

import pytest
from helpers.configs import (check_detector_config, check_pretrain_config,
                             find_configs)

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', '..', 'configs')
ALL_CONFIGS = find_configs(CONFIG_ROOT)
#: Pre-training configs (unlabelled pages, no detector); the image
#: tokenizer's is tested in tests/test_models/test_image_tokenizers.
PRETRAIN_CONFIGS = [
    c for c in ALL_CONFIGS if c.startswith('pretrain') and 'vqvae' not in c
]
CONFIGS = [c for c in ALL_CONFIGS if not c.startswith('pretrain')]


def test_configs_found():
    assert 'layoutmm_cascade_cdla.py' in CONFIGS
    assert 'demo/r18_cascade_synth.py' in CONFIGS
    assert 'pretrain/layoutlmv3-tiny_pretrain_synth.py' in PRETRAIN_CONFIGS


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_trains_one_step(config, synth_root, tmp_path):
    check_detector_config(osp.join(CONFIG_ROOT, config), synth_root, tmp_path)


@pytest.mark.parametrize('config', PRETRAIN_CONFIGS)
def test_pretrain_config_builds_and_trains_one_step(config, synth_root):
    check_pretrain_config(osp.join(CONFIG_ROOT, config), synth_root)
