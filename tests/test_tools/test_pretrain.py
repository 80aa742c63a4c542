"""LayoutLMv3 pre-training through tools/train.py: train, evaluate on
held-out pages, resume, launch on two processes, and start the demo
detector's backbone from the checkpoint."""
import copy
import os.path as osp

import torch
from helpers.tokenizers import english_bpe_tokenizer
from mmengine.config import Config
from test_train_test_resume import launcher_env, run

from mmlayout.models.backbones import LayoutLMv3MM

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'pretrain',
                  'layoutlmv3-tiny_pretrain_synth.py')
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')


def options(root, max_iters):
    return [
        f'tokenizer={english_bpe_tokenizer()}',
        f'train_dataloader.dataset.datasets.0.data_root={root}/train/',
        f'val_dataloader.dataset.data_root={root}/val/',
        f'train_cfg.max_iters={max_iters}',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
    ] + [
        f'{split}_dataloader.{key}' for split in ('train', 'val')
        for key in ('num_workers=0', 'persistent_workers=False',
                    'batch_size=2')
    ]


def test_pretrain_evaluate_resume_and_start_the_detector(synth_root,
                                                         tmp_path):
    work_dir = str(tmp_path / 'work')
    log = run('train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
              *options(synth_root, 2))
    for name in ('loss_mlm', 'loss_mim', 'loss_wpa', 'acc_mlm', 'acc_wpa',
                 'wpa_aligned'):
        assert f'{name}: ' in log, name
    for name in ('mlm_acc', 'mlm_unigram_acc', 'mim_loss',
                 'mim_baseline_loss', 'wpa_acc', 'wpa_majority_acc'):
        assert f'pretrain/{name}: ' in log, name

    log = run('train.py', CONFIG, '--work-dir', work_dir, '--resume',
              '--cfg-options', *options(synth_root, 4))
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    checkpoint = osp.join(work_dir, 'iter_4.pth')
    assert osp.isfile(checkpoint)

    # the demo detector's backbone loads it strictly, heads dropped
    backbone_cfg = copy.deepcopy(Config.fromfile(DEMO).model.backbone)
    backbone_cfg.pop('type')
    backbone = LayoutLMv3MM(**dict(backbone_cfg, pretrained=checkpoint))
    backbone.init_weights()
    saved = torch.load(checkpoint, map_location='cpu',
                       weights_only=True)['state_dict']
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, saved['backbone.' + key]), key


def test_pretrain_on_two_gloo_processes(synth_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    log = run('dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
              '--cfg-options', *options(synth_root, 2), env=launcher_env())
    assert 'Distributed training: True' in log
    assert 'pretrain/mlm_acc: ' in log
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
