"""Evaluate a checkpoint with the MMEngine runner (COCO metrics by default).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out preds.pkl]
        [--show-dir DIR] [--int8] [--cfg-options key=value ...]
        [--launcher ...]
"""
import argparse
import os.path as osp

from mmdet.evaluation import DumpDetResults
from mmengine.config import Config
from mmengine.runner import Runner

import mmlayout  # noqa: F401  registers mmlayout components and safe types
from mmlayout.utils import enable_amp, parse_runner_args, prepare_config


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a layout detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump raw predictions to this .pkl file')
    parser.add_argument(
        '--show-dir',
        help='draw predictions on the pages into this folder')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='score threshold for drawn predictions')
    parser.add_argument(
        '--int8', action='store_true',
        help="CPU: int8 dynamic quantisation of the backbone's Linear "
        'layers (Int8InferenceHook)')
    args = parse_runner_args(parser)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out must name a .pkl file, got {args.out}')
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, args.work_dir, args.cfg_options,
                   args.launcher)
    cfg.load_from = args.checkpoint
    if args.amp:
        enable_amp(cfg, training=False)
    if args.int8:
        cfg.custom_hooks = [*cfg.get('custom_hooks', []),
                            dict(type='Int8InferenceHook')]
    if args.show_dir:
        hooks = cfg.default_hooks
        if 'visualization' not in hooks:
            raise KeyError('--show-dir needs a DetVisualizationHook under '
                           'default_hooks.visualization in the config')
        # An absolute path: DetVisualizationHook re-joins a relative one
        # under work_dir/timestamp at every iteration.
        hooks.visualization.update(draw=True, score_thr=args.score_thr,
                                   test_out_dir=osp.abspath(args.show_dir))
    runner = Runner.from_cfg(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    main()
