"""Does memory stay flat over long runs? RSS of the inferencer over many
pages, and of a training dataloader (with its workers) over many
iterations.

    python tools/dev/memory_long_run.py infer CONFIG PAGES_DIR \\
        [--checkpoint CKPT] [--ocr-cache DIR] [--pages 500] \\
        [--marks 100 300 500] [--release-memory-every 1] \\
        [--cfg-options k=v ...]
    python tools/dev/memory_long_run.py dataloader CONFIG \\
        [--iters 2000] [--marks 500 1000 2000] [--cfg-options k=v ...]

``PAGES_DIR`` is cycled when it has fewer pages than ``--pages``. Prints
the resident set size (of this process, plus its dataloader workers) at
each mark and the largest relative difference between the marks (goal:
within 10 %); for the inferencer also its peak RSS so far and the RSS
after glibc's ``malloc_trim``, which tells memory in use from freed memory
the allocator keeps. ``--release-memory-every 0`` switches off the
inferencer's own periodic trim (to see what glibc alone does).
"""
import argparse
import itertools
import os
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config

from mmlayout.utils import (add_cfg_options_argument, prepare_config,
                            release_free_heap_memory)


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (Linux)."""
    with open(f'/proc/{pid}/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def children(pid: int):
    """Direct child processes (the dataloader workers)."""
    path = f'/proc/{pid}/task/{pid}/children'
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [int(child) for child in f.read().split()]


def total_rss_mb() -> float:
    pid = os.getpid()
    total = rss_mb(pid)
    for child in children(pid):
        try:
            total += rss_mb(child)
        except FileNotFoundError:  # a worker that just ended
            pass
    return total


def peak_rss_mb() -> float:
    """Largest RSS of this process so far in MiB (``VmHWM``, Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError('/proc/self/status has no VmHWM line')


def trimmed_rss_mb() -> Optional[float]:
    """RSS of this process after glibc hands its free heap pages back to
    the system (``malloc_trim``): memory still in use, without what the
    allocator keeps for reuse. None where glibc is not the C library."""
    if not release_free_heap_memory():
        return None
    return rss_mb(os.getpid())


def report(figures) -> int:
    """Print ``(mark, RSS, extra columns)`` figures; 0 when the RSS values
    are within 10 % of each other."""
    values = [value for _, value, _ in figures]
    spread = (max(values) - min(values)) / min(values)
    for mark, value, extra in figures:
        columns = ''.join(f'  {name} {figure:8.1f} MiB'
                          for name, figure in extra.items()
                          if figure is not None)
        print(f'  at {mark:>5}: RSS {value:8.1f} MiB{columns}')
    print(f'largest difference between the marks: {100 * spread:.1f} % '
          f'({"within" if spread <= 0.10 else "beyond"} 10 %)')
    return 0 if spread <= 0.10 else 1


def run_infer(args) -> int:
    from mmlayout.apis import LayoutInferencer
    from mmlayout.apis.page_sources import list_input_files
    inferencer = LayoutInferencer(
        args.config, args.checkpoint, ocr_cache=args.ocr_cache,
        cfg_options=args.cfg_options, batch_size=args.batch_size,
        release_memory_every=args.release_memory_every)
    files = list_input_files(args.pages_dir)
    inputs = list(itertools.islice(itertools.cycle(files), args.pages))
    figures, failed = [], 0
    for number, page in enumerate(inferencer(inputs, progress=True), 1):
        failed += page.failed
        if number in args.marks:
            rss, peak = total_rss_mb(), peak_rss_mb()
            figures.append((number, rss, {
                'peak so far': peak,
                'after malloc_trim': trimmed_rss_mb()
            }))
    every = args.release_memory_every
    print(f'{args.pages} pages ({len(files)} distinct), {failed} failed; '
          f'memory released every {every or "no"} pages; RSS of the '
          'inferencer process:')
    return report(figures)


def run_dataloader(args) -> int:
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    cfg = Config.fromfile(args.config)
    prepare_config(cfg, args.config, '/tmp/memory_long_run', args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    loader = Runner.build_dataloader(cfg.train_dataloader,
                                     seed=cfg.get('randomness', {}).get(
                                         'seed', 0))
    figures = []
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    from tqdm import tqdm
    for number, _ in enumerate(
            tqdm(itertools.islice(batches, args.iters), total=args.iters,
                 unit='it'), 1):
        if number in args.marks:
            figures.append((number, total_rss_mb(), {}))
    print(f'{args.iters} iterations of the training dataloader '
          f'({cfg.train_dataloader.num_workers} workers); RSS of the main '
          'process and its workers:')
    return report(figures)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='mode', required=True)
    infer = sub.add_parser('infer')
    infer.add_argument('config')
    infer.add_argument('pages_dir')
    infer.add_argument('--checkpoint')
    infer.add_argument('--ocr-cache')
    infer.add_argument('--pages', type=int, default=500)
    infer.add_argument('--batch-size', type=int, default=1)
    infer.add_argument('--marks', type=int, nargs='+',
                       default=[100, 300, 500])
    infer.add_argument('--release-memory-every', type=int, default=1,
                       help="the inferencer's release_memory_every (0: "
                       'never)')
    loader = sub.add_parser('dataloader')
    loader.add_argument('config')
    loader.add_argument('--iters', type=int, default=2000)
    loader.add_argument('--marks', type=int, nargs='+',
                        default=[500, 1000, 2000])
    for command in (infer, loader):
        add_cfg_options_argument(command)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    return run_infer(args) if args.mode == 'infer' else run_dataloader(args)


if __name__ == '__main__':
    sys.exit(main())
