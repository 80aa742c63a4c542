"""This project's configs build, read unlabelled synthetic pages and take
one training step, and keep the runtime hooks (the checks of
tests/helpers/configs.py, which every config of configs/ gets too): the
pre-trainers' and the image tokenizer's."""
import os.path as osp

import pytest
import torch
from helpers.configs import (check_pretrain_config, check_runtime_hooks,
                             check_tokenizer_config, find_configs)
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', 'configs')
CONFIGS = find_configs(CONFIG_ROOT)
PRETRAIN_CONFIGS = [c for c in CONFIGS if c.startswith('layoutlmv3')]
TOKENIZER_CONFIG = 'patch-vqvae_synth-text-decided.py'


def test_configs_found():
    assert CONFIGS == [
        'layoutlmv3-tiny_pretrain_papers.py',
        'layoutlmv3-tiny_pretrain_synth-text-decided.py',
        'layoutlmv3-tiny_pretrain_synth-text-decided_mim-pooled.py',
        'layoutlmv3-tiny_pretrain_synth-text-decided_mim-vq.py',
        TOKENIZER_CONFIG,
    ]


@pytest.mark.parametrize('config', PRETRAIN_CONFIGS)
def test_pretrain_config_builds_and_trains_one_step(config, synth_root,
                                                    tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    options = {}
    if cfg.model.mim_target.type == 'VQTokenTarget':
        # the image tokenizer the config names, untrained, saved here; its
        # architecture is that of the tokenizer config
        register_all_modules()
        tokenizer_cfg = Config.fromfile(
            osp.join(CONFIG_ROOT, TOKENIZER_CONFIG)).model
        tokenizer = MODELS.build(cfg.model.mim_target.tokenizer)
        assert tokenizer.state_dict().keys() == MODELS.build(
            tokenizer_cfg).state_dict().keys()
        torch.save({'state_dict': tokenizer.state_dict(), 'meta': {}},
                   str(tmp_path / 'vq.pth'))
        options['model.mim_target.checkpoint'] = str(tmp_path / 'vq.pth')
    check_pretrain_config(osp.join(CONFIG_ROOT, config), synth_root, options)


def test_tokenizer_config_builds_and_trains_one_step(synth_root):
    check_tokenizer_config(osp.join(CONFIG_ROOT, TOKENIZER_CONFIG), synth_root)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_keeps_the_runtime_hooks(config):
    check_runtime_hooks(osp.join(CONFIG_ROOT, config))
