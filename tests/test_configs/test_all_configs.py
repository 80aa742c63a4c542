"""Every config under configs/ builds, its training pipeline runs on
synthetic pages and its model and optimizer take one training step.

Base-size LayoutLMv3 models are shrunk (32 channels, random weights, a
tokenizer built by the tests); everything else is the config as written.
"""
import glob
import json
import os.path as osp

import pytest
import torch
from helpers.tokenizers import english_bpe_tokenizer
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from mmlayout.utils.runtime import apply_text_keys

CONFIG_ROOT = osp.join(osp.dirname(__file__), '..', '..', 'configs')
ALL_CONFIGS = sorted(
    osp.relpath(path, CONFIG_ROOT)
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if not osp.relpath(path, CONFIG_ROOT).startswith('_base_'))
#: Pre-training configs (unlabelled pages, no detector), the product's and
#: those of projects/.
PRETRAIN_CONFIGS = [
    c for c in ALL_CONFIGS if c.startswith('pretrain') and 'vqvae' not in c
] + [
    osp.relpath(path, CONFIG_ROOT) for path in sorted(
        glob.glob(osp.join(CONFIG_ROOT, '..', 'projects', '*', 'configs',
                           '*pretrain*.py')))
]
#: Image tokenizers: tests/test_models/test_image_tokenizers.
CONFIGS = [
    c for c in ALL_CONFIGS
    if not c.startswith('pretrain')
]
SMALL_CHANNELS = 32


def shrink_layoutlmv3(model_cfg) -> None:
    """Base-size LayoutLMv3MM -> 32 channels, random weights."""
    backbone = model_cfg.backbone
    if backbone.type != 'LayoutLMv3MM' or backbone.get(
            'arch_cfg', {}).get('embed_dims', 768) <= 256:
        return
    backbone.arch_cfg = dict(
        embed_dims=SMALL_CHANNELS, num_heads=2,
        feedforward_channels=2 * SMALL_CHANNELS, vocab_size=400,
        coord_dims=4, shape_dims=8)
    backbone.pretrained = None
    if model_cfg.get('neck') is None:  # a pre-trainer
        backbone.out_indices = (backbone.arch_cfg.get('num_layers', 12) - 1,
                                )
        return
    if model_cfg.get('fusion'):
        model_cfg.fusion.update(text_channels=SMALL_CHANNELS,
                                map_channels=SMALL_CHANNELS)
    model_cfg.neck.in_channels = SMALL_CHANNELS


def point_at(dataset_cfg, synth_root, tmp_path) -> None:
    """Point a dataset config at the synthetic training pages, their
    annotations relabelled with the config's own classes."""
    classes = (dataset_cfg.get('metainfo') or {}).get('classes') or (
        DATASETS.get(dataset_cfg.type).METAINFO['classes'])
    with open(f'{synth_root}/train/annotations.json') as f:
        coco = json.load(f)
    coco['categories'] = [dict(id=i + 1, name=name)
                          for i, name in enumerate(classes)]
    for ann in coco['annotations']:
        ann['category_id'] = (ann['category_id'] - 1) % len(classes) + 1
    ann_file = tmp_path / 'annotations.json'
    ann_file.write_text(json.dumps(coco))
    dataset_cfg.update(
        data_root=f'{synth_root}/', ann_file=str(ann_file),
        data_prefix=dict(img='train/images/'))


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_trains_one_step(config, synth_root, tmp_path):
    register_all_modules()
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    assert cfg.custom_imports['imports'] == ['mmlayout']
    shrink_layoutlmv3(cfg.model)
    if cfg.get('tokenizer'):
        cfg.tokenizer = english_bpe_tokenizer()
        cfg.ocr_root = '{img_dir}/../ocr'
    apply_text_keys(cfg)
    dataset_cfg = cfg.train_dataloader.dataset
    point_at(dataset_cfg, synth_root, tmp_path)
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0]])

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(batch, True)
    is_text_aware = 'OCRTokenLoad' in [t.type for t in dataset_cfg.pipeline]
    assert ('text' in data['data_samples'][0]) == is_text_aware

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    head = {key: value.clone()
            for key, value in model.roi_head.state_dict().items()}
    losses = model.train_step(batch, optim_wrapper)
    assert torch.isfinite(losses['loss']) and losses['loss'] > 0
    changed = [not torch.equal(value, model.roi_head.state_dict()[key])
               for key, value in head.items()]
    assert any(changed)


@pytest.mark.parametrize('config', PRETRAIN_CONFIGS)
def test_pretrain_config_builds_and_trains_one_step(config, synth_root):
    register_all_modules()
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    assert cfg.custom_imports['imports'] == ['mmlayout']
    cfg.model.backbone.with_cp = False
    shrink_layoutlmv3(cfg.model)
    cfg.model.backbone.arch_cfg.vocab_size = 400
    cfg.tokenizer = english_bpe_tokenizer()
    cfg.ocr_root = '{img_dir}/../ocr'
    apply_text_keys(cfg)
    assert cfg.model.tokenizer == cfg.tokenizer
    dataset_cfg = cfg.train_dataloader.dataset.datasets[0]
    dataset_cfg.data_root = f'{synth_root}/train/'
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(
        model, dict(cfg.optim_wrapper, accumulative_counts=1))
    before = {key: value.clone()
              for key, value in model.state_dict().items()}
    losses = model.train_step(batch, optim_wrapper)
    assert torch.isfinite(losses['loss']) and losses['loss'] > 0
    for part in ('backbone.layers.0', 'mlm_head', 'mim_head', 'wpa_head',
                 'mask_token'):
        assert any(not torch.equal(value, model.state_dict()[key])
                   for key, value in before.items()
                   if key.startswith(part)), part
