"""tools/train.py, --resume and tools/test.py end to end, on CPU."""
import os.path as osp
import pickle
import subprocess
import sys

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'baselines',
                  'cascade-rcnn_r18_fpn_synth.py')


def data_options(root):
    return [
        f'train_dataloader.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={root}/val/annotations.json',
        f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.ann_file={root}/val/annotations.json',
    ] + [
        f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
        for key in ('num_workers=0', 'persistent_workers=False')
    ] + [
        'train_cfg.val_interval=1000',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
    ]


def run(script, *args):
    result = subprocess.run(
        [sys.executable,
         osp.join(ROOT, 'tools', script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def test_train_then_resume_then_test(synth_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    run('train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_iters=2', *data_options(synth_root))
    first = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(first)
    # MMEngine's checkpoint loads with torch's safe unpickler.
    checkpoint = torch.load(first, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['iter'] == 2

    log = run('train.py', CONFIG, '--work-dir', work_dir, '--resume',
              '--cfg-options', 'train_cfg.max_iters=4',
              *data_options(synth_root))
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log
    assert 'Iter(train) [1/4]' not in log
    resumed = torch.load(
        osp.join(work_dir, 'iter_4.pth'),
        map_location='cpu',
        weights_only=True)
    assert resumed['meta']['iter'] == 4

    predictions = str(tmp_path / 'preds.pkl')
    log = run('test.py', CONFIG, osp.join(work_dir, 'iter_4.pth'),
              '--work-dir', work_dir, '--out', predictions, '--cfg-options',
              *data_options(synth_root))
    assert 'coco/bbox_mAP' in log
    with open(predictions, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 2
    assert results[0]['pred_instances']['bboxes'].shape[1] == 4
