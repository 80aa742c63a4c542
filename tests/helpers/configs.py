"""The checks every config gets, those of configs/ (tests/test_configs/) and
those of each project (projects/*/tests/): it builds, its training pipeline
runs on synthetic pages, its model and optimizer take one training step,
and it keeps the runtime hooks of configs/_base_/default_runtime.py.

Base-size LayoutLMv3 models are shrunk (32 channels, random weights, a
tokenizer built by the tests); everything else is the config as written.
"""
import glob
import json
import os.path as osp
from typing import List

import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from helpers.tokenizers import english_bpe_tokenizer
from mmlayout.utils.runtime import apply_text_keys

SMALL_CHANNELS = 32


def find_configs(folder: str) -> List[str]:
    """The runnable configs below ``folder`` (not its ``_base_`` files),
    relative to it, sorted."""
    return sorted(
        osp.relpath(path, folder)
        for path in glob.glob(osp.join(folder, '**', '*.py'), recursive=True)
        if '_base_' not in osp.relpath(path, folder).split(osp.sep))


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


def check_detector_config(path: str, synth_root, tmp_path,
                          imports=('mmlayout', )) -> None:
    """A detection config builds, reads a synthetic page through its
    training pipeline (with text exactly when the pipeline has
    ``OCRTokenLoad``) and one training step changes its RoI heads.
    ``imports``: the config's ``custom_imports`` (a project's config may
    import its own modules after mmlayout)."""
    register_all_modules()
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == list(imports)
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


def check_pretrain_config(path: str, synth_root, options: dict = None) -> None:
    """A pre-training config builds, reads two unlabelled synthetic pages
    and one training step changes the backbone and every head. ``options``
    (``--cfg-options`` style) are merged first, e.g. the checkpoint of a
    discrete MIM target's image tokenizer."""
    register_all_modules()
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options or {})
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


def check_tokenizer_config(path: str, synth_root) -> None:
    """An image tokenizer's config builds, reads two synthetic pages (its
    first training dataset's, when it concatenates several) and one
    training step changes its encoder."""
    register_all_modules()
    cfg = Config.fromfile(path)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg = dataset_cfg.get('datasets', [dataset_cfg])[0]
    dataset_cfg.data_root = f'{synth_root}/train/'
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.encoder[0].weight.clone()
    losses = model.train_step(batch, optim_wrapper)
    assert torch.isfinite(losses['loss'])
    assert not torch.equal(before, model.encoder[0].weight)


def check_runtime_hooks(path: str) -> None:
    """The config keeps the hooks of configs/_base_/default_runtime.py
    (rank-0 test metrics, random states in checkpoints)."""
    cfg = Config.fromfile(path, import_custom_modules=False)
    assert cfg.default_hooks.logger.type == 'RankZeroLoggerHook'
    assert [hook.type for hook in cfg.custom_hooks] == ['RandomStateHook']
