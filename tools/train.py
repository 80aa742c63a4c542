"""Train a detector with the MMEngine runner.

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [CKPT]]
        [--cfg-options key=value ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmlayout  # noqa: F401  registers mmlayout components and safe types
from mmlayout.utils import enable_amp, prepare_config


def parse_args():
    parser = argparse.ArgumentParser(description='Train a layout detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--work-dir', help='where to save logs and checkpoints')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (fp16 on GPU, bf16 on '
        'CPU)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a value from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, args.work_dir, args.cfg_options,
                   args.launcher)
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
