"""Checkpoints that carry the random states, so a resumed run draws the
random numbers the interrupted one would have drawn."""
import logging
import random
from typing import List, Optional

import numpy as np
import torch
from mmdet.registry import HOOKS
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader

#: Key of the random states in a checkpoint.
CHECKPOINT_KEY = 'rng_states'


def get_random_states() -> dict:
    """This process's random states.

    Returns:
        dict: ``python`` (:func:`random.getstate`), ``numpy`` (the global
        generator's state dict: its ``key`` is a uint32 array of shape
        (624, )), ``torch`` (the CPU generator: a uint8 tensor) and, once
        CUDA is in use, ``cuda`` (the current device's generator: a uint8
        tensor).
    """
    states = dict(
        python=random.getstate(),
        numpy=np.random.get_state(legacy=False),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state()
    return states


def set_random_states(states: dict) -> None:
    """Set what :func:`get_random_states` returned (its tensors may be on
    any device: a checkpoint is loaded onto the training device)."""
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'].cpu())
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state(states['cuda'].cpu())


def dataloader_seeds(loader: DataLoader) -> dict:
    """What decides a dataloader's batches besides the random states of the
    main process.

    Returns:
        dict: ``sampler_seed`` (the shuffling order), ``worker_seed``
        (MMEngine's ``worker_init_fn`` seeds worker ``w`` of rank ``r``
        with ``worker_seed + num_workers * r + w``; None without workers)
        and ``num_workers``.
    """
    sampler = getattr(loader.batch_sampler, 'sampler', loader.sampler)
    init_fn_args = getattr(loader.worker_init_fn, 'keywords', {})
    return dict(
        sampler_seed=getattr(sampler, 'seed', None),
        worker_seed=init_fn_args.get('seed'),
        num_workers=loader.num_workers)


class _RestoreAfterSkip:
    """Stands in for an :class:`IterBasedTrainLoop`'s dataloader iterator
    while the resumed loop skips the iterations trained before, then sets
    the random states and hands the loop its iterator back.

    MMEngine skips by drawing those batches: that runs the data pipeline,
    in this process when ``num_workers`` is 0, which draws random numbers.
    Setting the states after the skip gives the first new batch the states
    the interrupted run had when it drew that batch.
    """

    def __init__(self, loop: IterBasedTrainLoop, states: dict) -> None:
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._to_skip = loop.iter
        self._states = states

    def __iter__(self):
        return self

    def __next__(self):
        batch = next(self._iterator)
        self._to_skip -= 1
        if self._to_skip == 0:
            set_random_states(self._states)
            self._loop.dataloader_iterator = self._iterator
        return batch


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random states in checkpoints and restore them on resume.

    MMEngine's checkpoints hold the model, optimizer, schedulers and
    message hub, but no random state: a resumed run seeds its generators
    afresh, and from the first iteration on draws other random numbers
    (RoI sampling, augmentations) than the interrupted run would have. This
    hook adds ``checkpoint['rng_states']``:

    - ``ranks``: one :func:`get_random_states` per rank (index = rank),
      gathered from all ranks after every training iteration and epoch,
      just before :class:`~mmengine.hooks.CheckpointHook` (priority
      ``VERY_LOW``) saves on rank 0;
    - ``dataloader``: the train dataloader's :func:`dataloader_seeds`.

    On resume each rank gets its own states back: in an
    :class:`IterBasedTrainLoop` right after MMEngine has skipped the
    batches trained before (:class:`_RestoreAfterSkip`), otherwise before
    training starts. Validation inside training does not change the
    training's random states (they are set back after it), as a run
    resumed from a checkpoint saved before a validation skips it.
    Together, a run killed and resumed on CPU reproduces the uninterrupted
    run's losses exactly (on GPUs up to non-deterministic kernels).

    The data order and the workers' augmentations come back by themselves
    when the dataloader is seeded as before: MMEngine re-creates the
    workers with the same seeds and replays the skipped batches through
    them. A resume with another ``num_workers``, world size or seed is
    warned about; it continues without exactness.
    """

    # after ParamSchedulerHook (LOW, registered before custom hooks), before
    # CheckpointHook (VERY_LOW)
    priority = 'LOW'

    def __init__(self) -> None:
        self._gathered: Optional[List[dict]] = None
        self._loaded: Optional[dict] = None
        self._outside_val: Optional[dict] = None

    def _gather(self) -> None:
        self._gathered = all_gather_object(get_random_states())

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self._gather()

    def after_train_epoch(self, runner) -> None:
        self._gather()

    def before_val(self, runner) -> None:
        self._outside_val = get_random_states()

    def after_val(self, runner) -> None:
        set_random_states(self._outside_val)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._gathered is None:  # saved before any training iteration
            return
        checkpoint[CHECKPOINT_KEY] = dict(
            ranks=self._gathered,
            dataloader=dataloader_seeds(runner.train_dataloader))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get(CHECKPOINT_KEY)

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        if loop.iter == 0 and loop.epoch == 0:  # a new run, or fine-tuning
            return
        if self._loaded is None:
            self._warn('the checkpoint holds no random states (saved '
                       'without RandomStateHook)')
            return
        saved, ranks = self._loaded['dataloader'], self._loaded['ranks']
        current = dataloader_seeds(runner.train_dataloader)
        changed = [f'{key} {saved[key]} -> {current[key]}'
                   for key in saved if saved[key] != current[key]]
        if changed:
            self._warn(f'the train dataloader differs from the checkpoint\'s '
                       f'({", ".join(changed)})')
        if len(ranks) != get_world_size():
            self._warn(f'the checkpoint holds the random states of '
                       f'{len(ranks)} processes, this run has '
                       f'{get_world_size()}; they are not restored')
            return
        states = ranks[get_rank()]
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfterSkip(loop, states)
        else:
            set_random_states(states)

    @staticmethod
    def _warn(reason: str) -> None:
        print_log(
            f'Resume: {reason}: the resumed run draws other random numbers '
            'or batches than an uninterrupted run would have', 'current',
            logging.WARNING)
