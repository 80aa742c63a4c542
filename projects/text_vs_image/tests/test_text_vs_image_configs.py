"""Every config of this project builds, its training pipeline runs on
synthetic pages, its model takes one training step, and it keeps the
runtime hooks (the checks of tests/helpers/configs.py, which every config
of configs/ gets too); so do the variants vit_stall_isolation.sh writes."""
import os
import os.path as osp
import subprocess

import pytest
from helpers.configs import (check_detector_config, check_runtime_hooks,
                             find_configs)

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(PROJECT, 'configs')
CONFIGS = find_configs(CONFIG_ROOT)
#: the variants of vit_stall_isolation.sh that are not configs of configs/
STALL_VARIANTS = ('resnet16', 'resnet16_ln', 'vit_embed_only',
                  'vit_conv_stem', 'vit_scale2')


def test_configs_found():
    assert len(CONFIGS) == 13
    assert all(
        name.startswith(('layoutmm-tiny_cascade_', 'r18_cascade_',
                         'r18-text_cascade_')) for name in CONFIGS)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_trains_one_step(config, synth_root, tmp_path):
    check_detector_config(osp.join(CONFIG_ROOT, config), synth_root, tmp_path)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_keeps_the_runtime_hooks(config):
    check_runtime_hooks(osp.join(CONFIG_ROOT, config))


@pytest.fixture(scope='module')
def stall_configs(tmp_path_factory):
    """The configs vit_stall_isolation.sh writes for its variants."""
    work = tmp_path_factory.mktemp('stall')
    out = subprocess.run(
        ['bash', osp.join(PROJECT, 'vit_stall_isolation.sh'),
         *STALL_VARIANTS],
        env=dict(os.environ, CONFIGS_ONLY='1', WORK_DIR=str(work)),
        check=True, capture_output=True, text=True).stdout.split()
    return dict(zip(STALL_VARIANTS, out))


@pytest.mark.parametrize('variant', STALL_VARIANTS)
def test_stall_variant_builds_and_trains_one_step(variant, stall_configs,
                                                  synth_root, tmp_path):
    check_detector_config(
        stall_configs[variant], synth_root, tmp_path,
        imports=('mmlayout', 'projects.text_vs_image.stall_backbones'))
