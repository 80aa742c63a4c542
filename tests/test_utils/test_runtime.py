import argparse
import os
import socket

import pytest
import torch.distributed as dist
from mmengine.config import Config

from mmlayout.utils import (enable_amp, init_cpu_distributed,
                            parse_runner_args, prepare_config)


def test_prepare_config_work_dir_and_options(tmp_path):
    cfg = Config(dict(model=dict(depth=50)))
    prepare_config(cfg, 'configs/x/my_config.py',
                   cfg_options={'model.depth': 18})
    assert cfg.work_dir == './work_dirs/my_config'
    assert cfg.model.depth == 18
    assert cfg.launcher == 'none'
    prepare_config(cfg, 'configs/x/my_config.py', work_dir=str(tmp_path))
    assert cfg.work_dir == str(tmp_path)


def test_tokenizer_and_ocr_root_reach_every_ocr_token_load():
    text = dict(type='OCRTokenLoad', tokenizer='old', ocr_root='old/ocr')
    cfg = Config(dict(
        tokenizer='configured',
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', dataset=dict(pipeline=[
                dict(type='LoadImageFromFile'), dict(text)]))),
        val_dataloader=dict(dataset=dict(pipeline=[dict(text)])),
        test_dataloader=dict(dataset=dict(
            type='ConcatDataset', datasets=[dict(pipeline=[dict(text)])]))))
    prepare_config(cfg, 'x.py', cfg_options={'ocr_root': 'given/ocr'})
    loads = [cfg.train_dataloader.dataset.dataset.pipeline[1],
             cfg.val_dataloader.dataset.pipeline[0],
             cfg.test_dataloader.dataset.datasets[0].pipeline[0]]
    assert all(t.tokenizer == 'configured' and t.ocr_root == 'given/ocr'
               for t in loads)
    assert cfg.train_dataloader.dataset.dataset.pipeline[0] == dict(
        type='LoadImageFromFile')


def test_runner_arguments_parse_options_and_export_local_rank(monkeypatch):
    environ = {k: v for k, v in os.environ.items() if k != 'LOCAL_RANK'}
    monkeypatch.setattr(os, 'environ', environ)
    monkeypatch.setattr('sys.argv', [
        'train.py', 'cfg.py', '--amp', '--local-rank', '3', '--cfg-options',
        'model.depth=18', 'train_cfg.max_iters=4'
    ])
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    args = parse_runner_args(parser)
    assert args.config == 'cfg.py' and args.amp and args.work_dir is None
    assert args.launcher == 'none'
    assert args.cfg_options == {'model.depth': 18, 'train_cfg.max_iters': 4}
    assert environ['LOCAL_RANK'] == '3'


@pytest.mark.parametrize('native_bf16', [True, False])
def test_enable_amp_on_cpu_uses_bfloat16_autocast(monkeypatch, native_bf16):
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    monkeypatch.setattr('mmlayout.utils.runtime.cpu_has_native_bf16',
                        lambda: native_bf16)
    logged = []
    monkeypatch.setattr('mmlayout.utils.runtime.print_log',
                        lambda msg, *args: logged.append(msg))
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer={})))
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert len(logged) == (0 if native_bf16 else 1)
    assert all('slower than float32' in msg for msg in logged)


@pytest.mark.parametrize('native_bf16', [True, False])
def test_enable_amp_for_testing(monkeypatch, native_bf16):
    # GPUs autocast to fp16, CPUs to bfloat16 (MMEngine's test loop picks
    # the dtype from the device); emulated bfloat16 is named in the log
    monkeypatch.setattr('mmlayout.utils.runtime.cpu_has_native_bf16',
                        lambda: native_bf16)
    logged = []
    monkeypatch.setattr('mmlayout.utils.runtime.print_log',
                        lambda msg, *args: logged.append(msg))
    for cuda in (False, True):
        monkeypatch.setattr('torch.cuda.is_available', lambda cuda=cuda: cuda)
        cfg = Config(dict(test_cfg=dict(type='TestLoop')))
        enable_amp(cfg, training=False)
        assert cfg.test_cfg == dict(type='TestLoop', fp16=True)
    assert len(logged) == (0 if native_bf16 else 1)


def test_cpu_distributed_needs_the_torchrun_environment(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    cfg = Config(dict(launcher='pytorch'))
    with pytest.raises(RuntimeError, match='MASTER_ADDR'):
        init_cpu_distributed(cfg)


def test_cpu_distributed_uses_gloo_and_ddp_without_device_ids(monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(port))
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(cudnn_benchmark=False)))
    try:
        init_cpu_distributed(cfg)
        assert dist.is_initialized()
        assert dist.get_backend() == 'gloo'
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.env_cfg.cudnn_benchmark is False
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    assert cfg.model_wrapper_cfg.device_ids is None
