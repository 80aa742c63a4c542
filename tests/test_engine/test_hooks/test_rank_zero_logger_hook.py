import os.path as osp

import pytest
from helpers.noisy_toy import MeanOutput, NoisyModel, NoisyPages
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner

from mmlayout.engine.hooks import RankZeroLoggerHook, rank_zero_logger_hook


@pytest.mark.parametrize('rank_zero', [True, False])
def test_only_rank_zero_writes_the_metrics_and_log_copies(
        tmp_path, monkeypatch, rank_zero):
    monkeypatch.setattr(rank_zero_logger_hook, 'is_main_process',
                        lambda: rank_zero)
    runner = Runner(
        model=NoisyModel(),
        work_dir=str(tmp_path / 'work'),
        experiment_name=f'rank_zero_{rank_zero}',
        test_dataloader=dict(
            dataset=NoisyPages(), batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        test_cfg=dict(),
        test_evaluator=Evaluator(MeanOutput()),
        default_hooks=dict(
            logger=RankZeroLoggerHook(out_dir=str(tmp_path / 'copies'))))
    runner.test()
    metrics = osp.join(runner.log_dir, f'{runner.timestamp}.json')
    assert osp.exists(metrics) == rank_zero
    copied_log = tmp_path / 'copies' / 'work' / f'{runner.timestamp}.log'
    assert copied_log.exists() == rank_zero
