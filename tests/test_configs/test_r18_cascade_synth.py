import os.path as osp

import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'demo',
                  'r18_cascade_synth.py')


def test_config_is_a_ten_class_r18_cascade_from_scratch():
    cfg = Config.fromfile(CONFIG)
    assert cfg.custom_imports['imports'] == ['mmlayout']
    assert cfg.model.backbone.depth == 18
    assert cfg.model.backbone.init_cfg is None  # no torchvision:// weights
    heads = cfg.model.roi_head.bbox_head
    assert len(heads) == 3
    assert all(h.num_classes == 10 and h.reg_class_agnostic for h in heads)
    assert [h.bbox_coder.target_stds[0] for h in heads] == [0.1, 0.05, 0.033]
    assert cfg.train_dataloader.dataset.type == 'CDLADataset'


def test_one_training_step_updates_the_model(synth_root):
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = f'{synth_root}/'
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 4

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    stem = model.backbone.conv1.weight
    before = stem.detach().clone()

    losses = model.train_step(pseudo_collate([dataset[0], dataset[1]]),
                              optim_wrapper)

    for key in ('loss_rpn_cls', 'loss_rpn_bbox', 's0.loss_cls',
                's2.loss_bbox'):
        assert key in losses, key
    assert all(torch.isfinite(v).all() for v in losses.values())
    assert losses['s0.loss_cls'] > 0
    assert not torch.equal(before, stem.detach())
