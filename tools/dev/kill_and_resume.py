"""Kill training with SIGKILL at random moments, resume, and compare.

Trains a config twice with the same seed: once without interruption, once
killed ``--kills`` times at random iterations (``kill -9`` of the whole
process group, at a random moment within the iteration, so also while a
checkpoint is being written) and resumed each time with ``--resume``.
Then checks that

- the interrupted run ends at the configured iteration with a final
  checkpoint that loads (``torch.load(weights_only=True)``);
- no truncated checkpoint or temp file is left in the work dir;
- its loss at every iteration equals the uninterrupted run's exactly
  (printed: ``identical``, or the first iteration that differs and the
  largest difference); checkpoints carry the random states
  (``RandomStateHook``), so a resumed run draws what the uninterrupted one
  drew.

Example (the CNN baseline on synthetic pages, 16 iterations)::

    python tools/dev/kill_and_resume.py \\
        configs/demo/r18_cascade_synth.py --iters 16

Exit status 0 when all checks pass, 1 otherwise.
"""
import argparse
import glob
import json
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import time
from typing import Dict, List, Tuple

import torch

import mmlayout  # noqa: F401  allow-lists MMEngine's checkpoint types

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=16)
    parser.add_argument('--kills', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0,
                        help='training seed (and of the kill moments)')
    parser.add_argument('--work-dir', default='work_dirs/kill_and_resume')
    parser.add_argument(
        '--checkpoint-interval', type=int, default=1,
        help='iterations between checkpoints; a resumed run repeats the '
        'iterations since the last one (their losses must match too)')
    parser.add_argument(
        '--parallel', action='store_true',
        help='run the uninterrupted and the interrupted runs at once '
        '(e.g. one thread each: OMP_NUM_THREADS=1)')
    parser.add_argument('--cfg-options', nargs='*', default=[])
    return parser.parse_args(argv)


def train_command(args, work_dir: str, resume: bool) -> List[str]:
    options = [
        f'train_cfg.max_iters={args.iters}',
        f'train_cfg.val_interval={args.iters + 1}',
        f'default_hooks.checkpoint.interval={args.checkpoint_interval}',
        'default_hooks.checkpoint.max_keep_ckpts=2',
        'default_hooks.logger.interval=1',
        f'randomness.seed={args.seed}',
    ] + list(args.cfg_options)
    command = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), args.config, '--work-dir',
        work_dir, '--cfg-options', *options
    ]
    return command + (['--resume'] if resume else [])


def losses(work_dir: str) -> Dict[int, float]:
    """Loss per iteration from every run's scalars (a resumed run repeats
    no iteration: it starts after its checkpoint)."""
    found = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'loss' in record and 'iter' in record:
                    found[record['iter']] = record['loss']
    return found


def last_checkpoint_iter(work_dir: str) -> int:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return 0
    with open(path) as f:
        name = osp.basename(f.read().strip())
    return int(name[len('iter_'):-len('.pth')]) if name else 0


def run_killed(args, work_dir: str, kill_at: List[int]) -> None:
    """Train, SIGKILL once per entry of ``kill_at`` when the log reaches
    that iteration (plus a random fraction of an iteration), resume."""
    rng = random.Random(args.seed + 1)
    resume = False
    for target in kill_at + [None]:
        process = subprocess.Popen(
            train_command(args, work_dir, resume),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True)
        if target is None:
            if process.wait() != 0:
                raise RuntimeError('the last (resumed) run failed')
            return
        while max(losses(work_dir), default=0) < target:
            if process.poll() is not None:
                raise RuntimeError(f'training ended before iteration '
                                   f'{target} (status {process.returncode})')
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 1.5))  # anywhere in the next iteration
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        print(f'killed at iteration >= {target}; last checkpoint: iteration '
              f'{last_checkpoint_iter(work_dir)}', flush=True)
        resume = True


def compare_losses(expected: Dict[int, float],
                   got: Dict[int, float]) -> Tuple[str, bool]:
    """Compare the interrupted run's loss per iteration with the
    uninterrupted run's.

    Returns:
        tuple: A one-line verdict (``identical``, or the first iteration
        that differs, the largest difference and the missing iterations)
        and whether the losses are identical at every iteration.
    """
    missing = sorted(set(expected) - set(got))
    differing = [i for i in sorted(expected)
                 if i in got and got[i] != expected[i]]
    if not missing and not differing:
        return (f'losses: identical at all {len(expected)} iterations', True)
    verdict = f'losses: missing iterations {missing or "none"}'
    if differing:
        first = differing[0]
        worst = max(differing, key=lambda i: abs(got[i] - expected[i]))
        verdict += (
            f'; first differing iteration {first} ({expected[first]:.6f} '
            f'vs {got[first]:.6f}), {len(differing)} of {len(expected)} '
            f'differ, the most at iteration {worst} by '
            f'{abs(got[worst] - expected[worst]):.3g}')
    return verdict, False


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    kill_at = sorted(rng.sample(range(1, args.iters), args.kills))
    reference = osp.join(args.work_dir, 'uninterrupted')
    interrupted = osp.join(args.work_dir, 'interrupted')
    if args.checkpoint_interval < 1:
        raise SystemExit('--checkpoint-interval must be >= 1')
    print(f'uninterrupted run: {args.iters} iterations', flush=True)
    # a session of its own like the interrupted run's: with --parallel,
    # Linux's autogroup scheduling then shares the CPU evenly between them
    uninterrupted = subprocess.Popen(
        train_command(args, reference, False), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    if not args.parallel and uninterrupted.wait() != 0:
        raise RuntimeError('the uninterrupted run failed')
    print(f'interrupted run: SIGKILL near iterations {kill_at}', flush=True)
    try:
        run_killed(args, interrupted, kill_at)
    except BaseException:
        os.killpg(uninterrupted.pid, signal.SIGKILL)  # with its workers
        raise
    if uninterrupted.wait() != 0:
        raise RuntimeError('the uninterrupted run failed')

    ok = True
    final = osp.join(interrupted, f'iter_{args.iters}.pth')
    checkpoint = torch.load(final, map_location='cpu', weights_only=True)
    print(f'final checkpoint {final}: iteration '
          f'{checkpoint["meta"]["iter"]}, {len(checkpoint["state_dict"])} '
          'tensors, loads with weights_only')
    ok &= checkpoint['meta']['iter'] == args.iters
    leftovers = glob.glob(osp.join(interrupted, '.*.tmp'))
    for path in glob.glob(osp.join(interrupted, 'iter_*.pth')):
        try:
            torch.load(path, map_location='cpu', weights_only=True)
        except Exception as e:  # noqa: BLE001 - reported below
            leftovers.append(f'{path} ({e})')
    print(f'temp files or unreadable checkpoints left: {leftovers or "none"}')
    ok &= not leftovers

    expected, got = losses(reference), losses(interrupted)
    for i in sorted(expected):
        value = got.get(i, float('nan'))
        mark = '' if value == expected[i] else '  <- differs'
        print(f'  iter {i:3d}: {expected[i]:.6f}  {value:.6f}{mark}')
    verdict, same = compare_losses(expected, got)
    print(verdict)
    ok &= same
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
