"""tools/train.py, --resume, tools/test.py and the distributed launchers end
to end, on CPU."""
import glob
import json
import os
import os.path as osp
import pickle
import socket
import subprocess
import sys

import torch
from dev.kill_and_resume import compare_losses, losses

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'demo', 'r18_cascade_synth.py')


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


def run(script, *args, env=None):
    tool = osp.join(ROOT, 'tools', script)
    command = (['bash', tool] if script.endswith('.sh') else
               [sys.executable, tool])
    result = subprocess.run(
        command + list(args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def test_train_then_resume_then_test(synth_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    run('train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_iters=2', 'randomness.seed=0',
        *data_options(synth_root))
    first = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(first)
    # MMEngine's checkpoint loads with torch's safe unpickler.
    checkpoint = torch.load(first, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['iter'] == 2

    # the resumed run takes the checkpoint's seed (none configured)
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
    assert len(resumed['rng_states']['ranks']) == 1

    # the same losses as 4 iterations in one go: random states resumed
    whole = str(tmp_path / 'whole')
    run('train.py', CONFIG, '--work-dir', whole, '--cfg-options',
        'train_cfg.max_iters=4', 'randomness.seed=0',
        *data_options(synth_root))
    assert compare_losses(losses(whole), losses(work_dir)) == (
        'losses: identical at all 4 iterations', True)

    predictions = str(tmp_path / 'preds.pkl')
    log = run('test.py', CONFIG, osp.join(work_dir, 'iter_4.pth'),
              '--work-dir', work_dir, '--out', predictions, '--cfg-options',
              *data_options(synth_root))
    assert 'coco/bbox_mAP' in log
    with open(predictions, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 2
    assert results[0]['pred_instances']['bboxes'].shape[1] == 4


def launcher_env():
    """Environment of one torchrun launch: a port nobody uses (a fresh one
    per launch: the last launch's port may linger in TIME_WAIT)."""
    with socket.socket() as free:
        free.bind(('127.0.0.1', 0))
        port = free.getsockname()[1]
    return dict(os.environ, PORT=str(port), PYTHON=sys.executable,
                OMP_NUM_THREADS='1')


def test_dist_train_then_dist_test_with_two_gloo_processes(
        synth_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    log = run('dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
              '--cfg-options', 'train_cfg.max_iters=2',
              *data_options(synth_root), env=launcher_env())
    assert 'Distributed training: True' in log
    checkpoint = torch.load(osp.join(work_dir, 'iter_2.pth'),
                            map_location='cpu', weights_only=True)
    assert len(checkpoint['rng_states']['ranks']) == 2  # one per process

    predictions = str(tmp_path / 'preds.pkl')
    log = run('dist_test.sh', CONFIG, osp.join(work_dir, 'iter_2.pth'), '2',
              '--work-dir', work_dir, '--out', predictions, '--cfg-options',
              *data_options(synth_root), env=launcher_env())
    assert 'coco/bbox_mAP' in log
    (metrics, ) = glob.glob(osp.join(work_dir, '*', '*.json'))  # by rank 0
    with open(metrics) as f:
        assert 'coco/bbox_mAP' in json.load(f)
    with open(predictions, 'rb') as f:
        results = pickle.load(f)
    # each of the 2 processes tested 1 page; rank 0 collected both
    with open(osp.join(synth_root, 'val', 'annotations.json')) as f:
        image_ids = sorted(image['id'] for image in json.load(f)['images'])
    assert sorted(r['img_id'] for r in results) == image_ids
