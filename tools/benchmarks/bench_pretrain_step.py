"""Throughput of a LayoutLMv3 pre-training step, in float32 and bfloat16.

Builds a pre-training config's model (``LayoutLMv3Pretrainer``, random
weights), its optimizer wrapper and its training dataloader, draws
``--warmup + --steps`` batches from the dataloader first (so the data
pipeline is not timed), and times ``train_step`` (forward with fresh
masks, the three losses, backward, optimizer step) for each ``--dtype``:
``fp32`` as configured, ``bf16`` under :class:`AutocastOptimWrapper`
(what ``tools/train.py --amp`` uses without CUDA). Prints the CPU, the
seconds per step (best and median), pages/s, the FLOPs of one step
(``torch.utils.flop_counter``, forward and backward) and their share of
the machine's matmul peak of that dtype (``bench_backbone.py``'s square
``mm``/``linear`` probe).

bfloat16 runs only where it is native (AVX512-BF16 or AMX, or a GPU):
emulated, it is slower than float32 and the row says so instead of timing.

Example (the tiny pre-training of the text-decided synthetic pages; the
pages come from ``projects/layoutlmv3_pretraining/pretrain_synth.sh``)::

    python tools/benchmarks/bench_pretrain_step.py \\
        projects/layoutlmv3_pretraining/configs/\\
layoutlmv3-tiny_pretrain_synth-text-decided.py --dtype fp32 bf16
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List

import torch
from torch.utils.flop_counter import FlopCounterMode

from mmlayout.utils import (add_cfg_options_argument, cpu_has_native_bf16,
                            cpu_model_name)

# tools/ holds scripts, not packages (see profile_detector.py)
TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)
from benchmarks.bench_backbone import measure_peaks  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a pre-training config')
    parser.add_argument('--dtype', nargs='+', choices=('fp32', 'bf16'),
                        default=['fp32', 'bf16'])
    parser.add_argument('--steps', type=int, default=5,
                        help='timed steps per dtype')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed steps first')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s)')
    parser.add_argument('--no-peak', action='store_true',
                        help='do not measure the matmul peak (no %% peak)')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def bf16_refusal() -> str:
    """Why bfloat16 is not timed here, or '' where it is native."""
    if torch.cuda.is_available() or cpu_has_native_bf16():
        return ''
    return ('not timed: this CPU has no native bfloat16 (capability '
            f'{torch.backends.cpu.get_cpu_capability()}), emulated it is '
            'slower than float32')


def build(cfg, dtype: str):
    """The model and optimizer wrapper of ``cfg``, ``dtype`` applied."""
    from mmdet.registry import MODELS
    from mmengine.optim import build_optim_wrapper

    from mmlayout.utils import enable_amp

    cfg = cfg.copy()
    if dtype == 'bf16':
        enable_amp(cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def time_steps(model, optim_wrapper, batches: List[dict],
               warmup: int) -> Dict:
    """Seconds of each timed ``train_step`` and the last step's losses."""
    times = []
    for index, batch in enumerate(batches):
        start = time.perf_counter()
        losses = model.train_step(batch, optim_wrapper)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        if index >= warmup:
            times.append(time.perf_counter() - start)
    finite = all(torch.isfinite(value).all() for value in losses.values()
                 if isinstance(value, torch.Tensor))
    return dict(times=times, finite=finite)


def step_flops(model, optim_wrapper, batch: dict) -> float:
    """FLOPs of one ``train_step`` (forward and backward)."""
    counter = FlopCounterMode(display=False)
    with counter:
        model.train_step(batch, optim_wrapper)
    return counter.get_total_flops()


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmlayout  # noqa: F401  registers mmlayout components
    from mmlayout.utils import prepare_config
    register_all_modules()
    cfg = prepare_config(Config.fromfile(args.config), args.config,
                         cfg_options=args.cfg_options)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    count = args.warmup + args.steps + 1  # + the FLOP-counting step
    batches, iterator = [], iter(loader)
    while len(batches) < count:
        try:
            batches.append(next(iterator))
        except StopIteration:
            iterator = iter(loader)
    pages = len(batches[0]['data_samples'])

    print(f'CPU: {cpu_model_name()}, capability '
          f'{torch.backends.cpu.get_cpu_capability()}, native bf16 '
          f'{"yes" if cpu_has_native_bf16() else "no"}, torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads')
    peaks = {} if args.no_peak else measure_peaks(torch.device('cpu'))
    if peaks:
        print('matmul peak (measured): ' + ', '.join(
            f'{name} {rate:.0f} GFLOP/s' for name, rate in peaks.items()))
    print(f'config: {args.config}; batch of {pages} pages, '
          f'{args.warmup} warm-up + {args.steps} timed steps per dtype')
    print(f'{"dtype":<6}{"best s":>8}{"median s":>10}{"pages/s":>9}'
          f'{"GFLOP":>8}{"GFLOP/s":>9}{"% peak":>8}  losses')
    for dtype in args.dtype:
        refusal = bf16_refusal() if dtype == 'bf16' else ''
        if refusal:
            print(f'{dtype:<6}  {refusal}')
            continue
        model, optim_wrapper = build(cfg, dtype)
        result = time_steps(model, optim_wrapper, batches[:-1], args.warmup)
        flops = step_flops(model, optim_wrapper, batches[-1])
        best = min(result['times'])
        median = statistics.median(result['times'])
        rate = flops / median / 1e9
        share = f'{100 * rate / peaks[dtype]:>7.1f}%' if peaks else \
            f'{"-":>8}'
        print(f'{dtype:<6}{best:>8.3f}{median:>10.3f}{pages / median:>9.2f}'
              f'{flops / 1e9:>8.1f}{rate:>9.1f}{share}  '
              f'{"finite" if result["finite"] else "NOT FINITE"}')


if __name__ == '__main__':
    main()
