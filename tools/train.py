"""Train a detector with the MMEngine runner.

    python tools/train.py CONFIG [--work-dir DIR] [--amp] [--resume [CKPT]]
        [--cfg-options key=value ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

import mmlayout  # noqa: F401  registers mmlayout components and safe types
from mmlayout.utils import (enable_amp, parse_runner_args, prepare_config,
                            use_checkpoint_seed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a layout detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a value from the '
        'latest checkpoint in the work dir')
    return parse_runner_args(parser)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, args.work_dir, args.cfg_options,
                   args.launcher)
    # configs ask for mixed precision with `amp = True` (override on CPUs
    # without native bfloat16: --cfg-options amp=False)
    if args.amp or cfg.get('amp', False):
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if cfg.get('resume', False):
        use_checkpoint_seed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
