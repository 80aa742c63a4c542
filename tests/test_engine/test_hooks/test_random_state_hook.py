"""A resumed run draws what the uninterrupted one drew."""
import random

import numpy as np
import pytest
import torch
from helpers.noisy_toy import MeanOutput, NoisyModel, NoisyPages
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmlayout  # noqa: F401  allow-lists MMEngine's checkpoint types
from mmlayout.engine.hooks import RandomStateHook, random_state_hook
from mmlayout.engine.hooks.random_state_hook import (get_random_states,
                                                     set_random_states)

MAX_ITERS = 6


class LossRecorder(Hook):

    def __init__(self):
        self.losses = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses[runner.iter + 1] = outputs['loss'].item()


def train(work_dir, name, hooks, num_workers, resume_from=None):
    """Train to MAX_ITERS (validating and saving every 2 iterations);
    the loss per iteration."""
    recorder = LossRecorder()
    loader = dict(
        dataset=NoisyPages(), batch_size=2, num_workers=num_workers,
        persistent_workers=num_workers > 0)
    runner = Runner(
        model=NoisyModel(),
        work_dir=str(work_dir),
        experiment_name=name,
        train_dataloader=dict(
            loader, sampler=dict(type='InfiniteSampler', shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=MAX_ITERS, val_interval=2),
        val_dataloader=dict(
            loader, sampler=dict(type='DefaultSampler', shuffle=False)),
        val_cfg=dict(),
        val_evaluator=Evaluator(MeanOutput()),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False)),
        custom_hooks=hooks + [recorder],
        randomness=dict(seed=0),
        resume=resume_from is not None,
        load_from=resume_from)
    runner.train()
    return recorder.losses


def test_states_round_trip():
    states = get_random_states()
    drawn = (random.random(), np.random.rand(), torch.rand(1).item())
    set_random_states(states)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == drawn


@pytest.mark.parametrize('num_workers', [0, 2])
def test_a_resumed_run_repeats_the_uninterrupted_one(tmp_path, num_workers):
    whole = train(tmp_path / 'whole', f'whole{num_workers}',
                  [RandomStateHook()], num_workers)
    checkpoint = str(tmp_path / 'whole' / 'iter_4.pth')
    resumed = train(tmp_path / 'resumed', f'resumed{num_workers}',
                    [RandomStateHook()], num_workers, checkpoint)
    assert sorted(resumed) == [5, 6]
    assert [resumed[i] for i in (5, 6)] == [whole[i] for i in (5, 6)]

    saved = torch.load(checkpoint, weights_only=True)['rng_states']
    (states, ) = saved['ranks']
    assert sorted(states) == ['numpy', 'python', 'torch']
    assert saved['dataloader'] == dict(
        sampler_seed=0, worker_seed=0, num_workers=num_workers)


def test_without_the_hook_a_resumed_run_draws_other_numbers(tmp_path):
    whole = train(tmp_path / 'whole', 'plain_whole', [], 0)
    resumed = train(tmp_path / 'resumed', 'plain_resumed', [], 0,
                    str(tmp_path / 'whole' / 'iter_4.pth'))
    assert resumed[5] != whole[5]


def test_resumes_that_cannot_be_exact_are_warned_about(tmp_path,
                                                       monkeypatch):
    warnings = []
    monkeypatch.setattr(random_state_hook, 'print_log',
                        lambda message, *args: warnings.append(message))
    train(tmp_path / 'plain', 'no_states', [], 0)
    train(tmp_path / 'resumed', 'no_states_resumed', [RandomStateHook()], 0,
          str(tmp_path / 'plain' / 'iter_4.pth'))
    assert warnings == [
        'Resume: the checkpoint holds no random states (saved without '
        'RandomStateHook): the resumed run draws other random numbers or '
        'batches than an uninterrupted run would have'
    ]

    warnings.clear()
    train(tmp_path / 'whole', 'states', [RandomStateHook()], 0)
    checkpoint = torch.load(tmp_path / 'whole' / 'iter_4.pth',
                            weights_only=True)
    checkpoint['rng_states']['ranks'] *= 2  # saved by 2 processes
    checkpoint['rng_states']['dataloader']['num_workers'] = 1
    torch.save(checkpoint, tmp_path / 'two_ranks.pth')
    train(tmp_path / 'two', 'two_ranks', [RandomStateHook()], 0,
          str(tmp_path / 'two_ranks.pth'))
    assert len(warnings) == 2
    assert 'the train dataloader differs from the checkpoint\'s ' \
        '(num_workers 1 -> 0)' in warnings[0]
    assert 'the random states of 2 processes, this run has 1' in warnings[1]
