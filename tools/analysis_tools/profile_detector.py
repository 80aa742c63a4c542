"""Where the time of a detector goes: time and share per component.

Builds the config's model (random weights without ``--checkpoint``) and
runs synthetic pages (those of ``benchmark.py``: lines of text drawn with
PIL and their OCR JSON) through an inference pass (the test pipeline and
``test_step``) and/or a training step (the training pipeline and
``train_step``: forward, backward, optimizer step), ``--warmup`` untimed
iterations first, then ``--repeat`` timed ones; each iteration is one batch
of ``--pages`` pages. Forward hooks (modules) and wrappers (methods such as
proposal generation) time each component, and open a
``torch.profiler.record_function`` range ``profile: <row>`` around it. The
rows:

- ``data: pipeline`` (the config's transforms) and ``data: preprocessor``;
- the backbone: a LayoutLMv3MM split into patch embedding, text embedding,
  attention bias (the relative 1D and spatial 2D tables, gathered once a
  forward), attention (qkv, SDPA, output projection) and MLP of all blocks,
  and its other work (position embedding, norms, residual sums); an image
  backbone (a ResNet) is one row; a TwoStreamBackbone's text encoder is
  split like a LayoutLMv3MM (``text encoder: ...``);
- ``fusion`` (TextBoxFusion), ``neck``, ``RPN head`` (its convolutions; in
  training also its targets and loss), ``RPN proposals`` (decoding and NMS),
  each ``RoI stage`` (RoI extractor and box head; in training also the
  stage's assignment, sampling, loss and box refinement), the RoI head's
  other work, and the final NMS and post-processing;
- training: ``backward``, split by the component whose forward op made each
  autograd node (``backward of <row>``; the forwards that gradient
  checkpointing runs again: ``backward: recompute of <row>``), in the
  proportions of one more step under ``torch.profiler`` (not timed;
  ``--no-backward-split``: one row), and the ``optimizer step`` (gradient
  clipping, step, ``zero_grad``);
- ``other``: the rest of the iteration, so that the shares sum to 100 %.

Times are exclusive (a row's nested rows are not in it), in ms per
iteration (the mean over ``--repeat``). FLOPs are counted in one untimed
iteration (the first warm-up one, or one more) by torch's
``FlopCounterMode`` (attention as its unfused maths); with the matmul peak
that ``tools/benchmarks/bench_backbone.py`` measures, rows with FLOPs get
their GFLOP/s and % of the fp32 peak (``--no-peak`` skips the measurement,
some seconds).

Text-aware configs need their tokenizer (``--cfg-options tokenizer=DIR``).

Example::

    python tools/analysis_tools/profile_detector.py \
        configs/demo/layoutmm-tiny_cascade_synth.py --pages 1 --mode both \
        --cfg-options tokenizer=data/synth_cdla/tokenizer
"""
import argparse
import functools
import os
import os.path as osp
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from torch.autograd.profiler import record_function
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from mmlayout.ocr import load_ocr_json
from mmlayout.utils import (add_cfg_options_argument, cpu_has_native_bf16,
                            cpu_model_name)

# tools/ holds scripts, not packages: put it on sys.path (as conftest.py
# does for the tests) to reuse benchmark.py's pages and pipeline and
# bench_backbone.py's matmul peak.
TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)
from analysis_tools.benchmark import (PAGE_SIZE, load_config,  # noqa: E402
                                      make_pages)
from benchmarks.bench_backbone import measure_peaks  # noqa: E402

#: Prefix of the record_function ranges around the components.
RANGE_PREFIX = 'profile: '
#: Name of the profiler's events that run one autograd node.
EVALUATE = 'autograd::engine::evaluate_function: '
#: Prefix of the ranges around the forwards that the backward runs again
#: (gradient checkpointing), and of their rows.
RECOMPUTE = 'recompute of '
RESIZES = ('Resize', 'RandomResize', 'RandomChoiceResize')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint',
                        help='weights (default: random weights)')
    parser.add_argument('--mode', choices=('infer', 'train', 'both'),
                        default='both',
                        help='profile an inference pass, a training step '
                        'or both')
    parser.add_argument('--device', choices=('cpu', 'cuda'),
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--pages', type=int, default=1,
                        help='synthetic pages per iteration (one batch)')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed iterations first')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed iterations (times are their mean)')
    parser.add_argument('--short-side', type=int,
                        help="the Resize's short side in both pipelines "
                        "(default: the config's test scale)")
    parser.add_argument('--no-peak', action='store_true',
                        help='do not measure the matmul peak (no %% peak)')
    parser.add_argument('--no-backward-split', action='store_true',
                        help='one backward row: no profiled extra step')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def argument_problem(args) -> Optional[str]:
    """Why the arguments cannot be profiled, or None."""
    for name, low in (('pages', 1), ('warmup', 0), ('repeat', 1)):
        if getattr(args, name) < low:
            return (f'--{name} {getattr(args, name)}: must be {low} or '
                    'more')
    if args.short_side is not None and args.short_side < 32:
        return f'--short-side {args.short_side}: must be 32 or more'
    if args.device == 'cuda' and not torch.cuda.is_available():
        return '--device cuda: torch sees no CUDA device here'
    return None


class ComponentClock:
    """Exclusive seconds and FLOPs per row of the table.

    Rows nest (the backbone holds its attention, the RoI head its stages):
    a row's time (and FLOPs) is taken out of the row it runs in, so every
    moment of an iteration is counted once, in its innermost row. While
    ``paused`` (inside the backward) nothing is counted: the forwards that
    gradient checkpointing runs again belong to the backward, and get the
    range ``profile: recompute of <row>``.

    Args:
        device (str): ``'cpu'`` or ``'cuda'`` (synchronised at each mark).
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.flop_counter: Optional[FlopCounterMode] = None
        self.paused = False
        self._stack = []
        self.reset()

    def reset(self) -> None:
        """Forget what was counted."""
        self.seconds: Dict[str, float] = defaultdict(float)
        self.flops: Dict[str, int] = defaultdict(int)

    def _now(self) -> float:
        if self.device == 'cuda':
            torch.cuda.synchronize()
        return time.perf_counter()

    def _flops_so_far(self) -> int:
        counter = self.flop_counter
        return 0 if counter is None else counter.get_total_flops()

    def enter(self, row: str) -> None:
        scope = record_function(RANGE_PREFIX +
                                (RECOMPUTE + row if self.paused else row))
        scope.__enter__()
        if self.paused:
            self._stack.append((None, scope, 0, 0.))
            return
        self._stack.append((row, scope, self._flops_so_far(), self._now()))

    def exit(self) -> None:
        row, scope, flops_before, start = self._stack.pop()
        if row is None:  # paused
            scope.__exit__(None, None, None)
            return
        seconds = self._now() - start
        flops = self._flops_so_far() - flops_before
        scope.__exit__(None, None, None)
        self.seconds[row] += seconds
        self.flops[row] += flops
        if self._stack:  # not paused here: the top is the enclosing row
            outer = self._stack[-1][0]
            self.seconds[outer] -= seconds
            self.flops[outer] -= flops

    @contextmanager
    def region(self, row: str, pause: bool = False):
        """Count the block in ``row``; ``pause``: count nothing inside."""
        self.enter(row)
        self.paused = pause or self.paused
        try:
            yield
        finally:
            if pause:
                self.paused = False
            self.exit()

    def time_module(self, module: nn.Module, row: str) -> None:
        """Count ``module``'s forward in ``row`` (forward hooks)."""
        module.register_forward_pre_hook(lambda *_: self.enter(row))
        module.register_forward_hook(lambda *_: self.exit(),
                                     always_call=True)

    def time_method(self, owner, name: str, row: str,
                    pause: bool = False) -> None:
        """Count calls of ``owner.name`` in ``row`` (wraps the method on
        this object only)."""
        method = getattr(owner, name)

        @functools.wraps(method)
        def timed(*args, **kwargs):
            with self.region(row, pause):
                return method(*args, **kwargs)

        setattr(owner, name, timed)


def _as_list(modules) -> list:
    return list(modules) if isinstance(modules, (list, nn.ModuleList)) else [
        modules
    ]


def instrument(model: nn.Module, clock: ComponentClock) -> List[str]:
    """Hook the detector's components to ``clock``.

    Returns:
        list[str]: The rows, in the order of the table (the training rows
        ``backward`` and ``optimizer step`` are added by
        :func:`instrument_optimizer`).
    """
    from mmlayout.models.backbones import LayoutLMv3MM
    rows = ['data: pipeline']

    def add(row: str) -> None:
        if row not in rows:
            rows.append(row)

    def module(target: nn.Module, row: str) -> None:
        clock.time_module(target, row)
        add(row)

    def method(owner, name: str, row: str) -> None:
        if owner is not None and callable(getattr(owner, name, None)):
            clock.time_method(owner, name, row)
            add(row)

    def encoder(target: LayoutLMv3MM, prefix: str) -> None:
        module(target.patch_embed, f'{prefix}: patch embedding')
        if getattr(target, 'text_embed', None) is not None:
            module(target.text_embed, f'{prefix}: text embedding')
        module(target.attn_bias, f'{prefix}: attention bias (1D + 2D)')
        for layer in target.layers:
            module(layer.attn, f'{prefix}: attention (qkv, SDPA, proj)')
        for layer in target.layers:
            module(layer.ffn, f'{prefix}: MLP')
        other = f'{prefix}: other (pos embed, norms, residuals)'
        for layer in target.layers:  # what with_cp runs again
            module(layer, other)
        module(target, other)

    module(model.data_preprocessor, 'data: preprocessor')
    backbone = model.backbone
    if isinstance(backbone, LayoutLMv3MM):
        encoder(backbone, 'backbone')
    else:
        streams = dict(backbone.named_children())
        encoders = {name: child for name, child in streams.items()
                    if isinstance(child, LayoutLMv3MM)}
        if not encoders:  # an image backbone
            module(backbone, f'backbone ({type(backbone).__name__})')
        else:  # e.g. a TwoStreamBackbone: its image stream and encoder
            for name, child in streams.items():
                if name not in encoders:
                    module(child, f'backbone ({type(child).__name__})')
            for name, child in encoders.items():
                encoder(child, name.replace('_', ' '))
    if getattr(model, 'fusion', None) is not None:
        module(model.fusion, 'fusion')
    if getattr(model, 'neck', None) is not None:
        module(model.neck, 'neck')
    rpn_head = getattr(model, 'rpn_head', None)
    if rpn_head is not None:
        module(rpn_head, 'RPN head')
        for name in ('loss_and_predict', 'predict'):
            method(rpn_head, name, 'RPN head')
        method(rpn_head, 'predict_by_feat', 'RPN proposals (decode + NMS)')
    roi_head = getattr(model, 'roi_head', None)
    if roi_head is not None:
        heads = _as_list(roi_head.bbox_head)
        extractors = _as_list(roi_head.bbox_roi_extractor)
        assigners = _as_list(getattr(roi_head, 'bbox_assigner', None))
        samplers = _as_list(getattr(roi_head, 'bbox_sampler', None))
        for stage, (head, extractor) in enumerate(zip(heads, extractors)):
            row = f'RoI stage {stage + 1}'
            module(extractor, row)
            module(head, row)
            for name in ('loss_and_target', 'refine_bboxes',
                         'regress_by_class'):
                method(head, name, row)
            if stage < len(assigners):
                method(assigners[stage], 'assign', row)
            if stage < len(samplers):
                method(samplers[stage], 'sample', row)
        for name in ('loss', 'predict'):
            method(roi_head, name, 'RoI head: other (rois, glue)')
        method(heads[-1], 'predict_by_feat', 'final NMS / post-processing')
    return rows


def instrument_optimizer(optim_wrapper, clock: ComponentClock,
                         rows: List[str]) -> None:
    """Count ``optim_wrapper``'s backward and optimizer step."""
    clock.time_method(optim_wrapper, 'backward', 'backward', pause=True)
    for name in ('step', 'zero_grad'):
        clock.time_method(optim_wrapper, name, 'optimizer step')
    rows += ['backward', 'optimizer step']


def training_pipeline(cfg: Config, config_path: str,
                      scale: tuple) -> List[dict]:
    """The config's training pipeline with its resize at one ``scale``
    (``Resize(scale, keep_ratio=True)``), so that every step sees the same
    input size."""
    pipeline = [t.copy() for t in cfg.train_dataloader.dataset.pipeline]
    resizes = [i for i, t in enumerate(pipeline) if t['type'] in RESIZES]
    if not resizes:
        raise KeyError(f'{config_path}: no {"/".join(RESIZES)} in '
                       'train_dataloader.dataset.pipeline')
    for index in resizes:
        pipeline[index] = dict(type='Resize', scale=scale, keep_ratio=True)
    return pipeline


def page_inputs(paths: List[str], ocr_dir: str,
                with_regions: bool) -> List[dict]:
    """The pipelines' inputs of the pages; ``with_regions``: with one
    ground-truth region (class 0) per OCR line, for the training step."""
    inputs = []
    for index, path in enumerate(paths):
        page = dict(img_path=path, img_id=index)
        if with_regions:
            stem = osp.splitext(osp.basename(path))[0]
            _, _, lines = load_ocr_json(osp.join(ocr_dir, stem + '.json'))
            page['instances'] = [
                dict(bbox=list(line.box), bbox_label=0, ignore_flag=0)
                for line in lines
            ]
        inputs.append(page)
    return inputs


def enclosing_row(event) -> str:
    """The innermost component row whose range holds a profiler event."""
    parent = event.cpu_parent
    while parent is not None and not parent.name.startswith(RANGE_PREFIX):
        parent = parent.cpu_parent
    return 'other' if parent is None else parent.name[len(RANGE_PREFIX):]


def backward_split(events, on_cuda: bool) -> Dict[str, float]:
    """Share of the backward per row, from profiler events.

    Every autograd node that the backward ran (a top-level
    ``evaluate_function`` event) goes to ``backward of <row>``, the row of
    the forward op that made it: the last op of its thread and sequence
    number (ops that make no node carry the number the next node will
    get); nodes without one (``AccumulateGrad``) go to ``backward of
    other``. The forwards that gradient checkpointing runs again inside a
    node (``profile: recompute of <row>`` ranges) are taken out of it into
    ``backward: recompute of <row>``.

    Args:
        events: ``torch.profiler.profile(...).events()`` of one step.
        on_cuda (bool): Weigh events by their device time, else CPU time.

    Returns:
        dict: Table row to share of the backward; the shares sum to 1.
    """
    forward_ops = {}
    for event in sorted(events, key=lambda e: e.time_range.start):
        if (event.sequence_nr >= 0 and event.scope == 0
                and not event.name.startswith(EVALUATE)):
            forward_ops[event.thread, event.sequence_nr] = event

    def weight(event) -> float:
        return event.device_time_total if on_cuda else event.cpu_time_total

    def outermost_node(event):
        found = None
        parent = event.cpu_parent
        while parent is not None:
            found = parent if parent.name.startswith(EVALUATE) else found
            parent = parent.cpu_parent
        return found

    weights = defaultdict(float)
    node_rows = {}  # id of a top-level node's event: its row
    for event in events:
        if not event.name.startswith(EVALUATE) or outermost_node(event):
            continue  # not a node, or inside another node: counted there
        forward = forward_ops.get((event.fwd_thread, event.sequence_nr))
        row = 'backward of ' + ('other' if forward is None else
                                enclosing_row(forward))
        node_rows[id(event)] = row
        weights[row] += weight(event)
    recompute = RANGE_PREFIX + RECOMPUTE
    for event in events:
        node = (outermost_node(event)
                if event.name.startswith(recompute) else None)
        if node is None or id(node) not in node_rows:
            continue
        outer = event.cpu_parent  # the recomputation or node it is in
        while not (outer is node or outer.name.startswith(recompute)):
            outer = outer.cpu_parent
        row = 'backward: ' + event.name[len(RANGE_PREFIX):]
        weights[row] += weight(event)
        weights[node_rows[id(node)] if outer is node else 'backward: ' +
                outer.name[len(RANGE_PREFIX):]] -= weight(event)
    total = sum(weights.values())
    return {row: weight / total for row, weight in weights.items()} if (
        total > 0) else {}


class Iteration:
    """One batch of pages through a pipeline and the model, in
    ``clock``'s rows.

    Args:
        model: The instrumented detector, on its device.
        pipeline (list[dict]): The test or training pipeline.
        pages (list[dict]): The pipeline's inputs.
        clock (ComponentClock): Counts the rows.
        optim_wrapper (OptimWrapper, optional): Given: a training step
            (``train_step``); None: inference (``test_step``).
    """

    def __init__(self, model, pipeline: List[dict], pages: List[dict],
                 clock: ComponentClock, optim_wrapper=None) -> None:
        from mmengine.dataset import Compose
        self.model = model
        self.transforms = Compose(pipeline)
        self.pages = pages
        self.clock = clock
        self.optim_wrapper = optim_wrapper

    def __call__(self) -> dict:
        """Run once; returns the batch (its data samples)."""
        from mmengine.dataset import pseudo_collate
        with self.clock.region('other'):
            with self.clock.region('data: pipeline'):
                data = pseudo_collate(
                    [self.transforms(dict(page)) for page in self.pages])
            if self.optim_wrapper is None:
                with torch.no_grad():
                    self.model.test_step(data)
            else:
                self.model.train_step(data, self.optim_wrapper)
        return data


def profile(run: Callable[[], dict], clock: ComponentClock, args,
            training: bool) -> Dict:
    """FLOPs (one untimed iteration), warm-up, timed iterations and, for
    training, the backward split.

    Returns:
        dict: ``seconds`` and ``flops`` per row (per iteration), ``split``
        (the backward's shares, or None) and ``data`` (the last batch).
    """
    clock.reset()
    counter = FlopCounterMode(display=False)
    clock.flop_counter = counter
    try:
        with counter, sdpa_kernel(SDPBackend.MATH):
            run()
    finally:
        clock.flop_counter = None
    flops = dict(clock.flops)
    for _ in range(args.warmup - 1):
        run()
    clock.reset()
    for _ in range(args.repeat):
        data = run()
    seconds = {row: value / args.repeat
               for row, value in clock.seconds.items()}
    split = None
    if training and not args.no_backward_split:
        activities = [torch.profiler.ProfilerActivity.CPU]
        if args.device == 'cuda':
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=activities) as prof:
            run()
        split = backward_split(prof.events(), args.device == 'cuda') or None
    return dict(seconds=seconds, flops=flops, split=split, data=data)


def table_rows(rows: List[str], result: Dict) -> List[tuple]:
    """``(row, seconds, flops or None)`` in table order: the rows that
    ran, the backward split into the rows of its forward ops, ``other``
    last."""
    seconds, flops, split = result['seconds'], result['flops'], result[
        'split']
    ordered = [row for row in rows if row in seconds] + ['other']
    table = []
    for row in ordered:
        if row == 'backward' and split:
            parts = [f'backward of {part}' for part in ordered] + [
                f'backward: {RECOMPUTE}{part}' for part in ordered]
            parts += [part for part in split if part not in parts]
            table += [(part, seconds[row] * split[part], None)
                      for part in parts if split.get(part)]
        else:
            table.append((row, seconds[row], flops.get(row) or None))
    return table


def group_summary(group: str, table: List[tuple], peak: Optional[float],
                  training: bool) -> List[str]:
    """Lines on a backbone's (or text encoder's) FLOPs and % of peak."""
    forward = [(s, f) for row, s, f in table if row.startswith(group)]
    backward = [s for row, s, _ in table if row.startswith(
        (f'backward of {group}', f'backward: {RECOMPUTE}{group}'))]
    gflop = sum(f or 0 for _, f in forward) / 1e9
    if not forward or not gflop:
        return []
    cases = [('forward', gflop, sum(s for s, _ in forward))]
    if training and backward:
        cases.append(('forward + backward (backward FLOPs taken as 2x the '
                       'forward)', 3 * gflop, cases[0][2] + sum(backward)))
    lines = []
    for name, amount, seconds in cases:
        rate = amount / seconds
        share = (f', {100 * rate / peak:.1f} % of the fp32 matmul peak'
                 if peak else '')
        lines.append(f'{group} {name}: {amount:.2f} GFLOP in '
                     f'{1000 * seconds:.1f} ms, {rate:.1f} GFLOP/s{share}')
    return lines


def print_table(title: str, table: List[tuple],
                peak: Optional[float]) -> None:
    total = sum(seconds for _, seconds, _ in table)
    width = max(len(row) for row, _, _ in table) + 2
    print(f'\n{title}: {1000 * total:.1f} ms per iteration')
    print(f'{"component":<{width}}{"ms/iter":>10}{"share":>10}'
          f'{"GFLOP":>9}{"GFLOP/s":>9}{"% peak":>8}')
    for row, seconds, flops in table:
        line = (f'{row:<{width}}{1000 * seconds:>10.3f}'
                f'{100 * seconds / total:>8.2f} %')
        if flops:
            rate = flops / 1e9 / seconds
            line += f'{flops / 1e9:>9.3f}{rate:>9.1f}'
            if peak:
                line += f'{100 * rate / peak:>7.1f}%'
        print(line)
    print(f'{"total":<{width}}{1000 * total:>10.3f}{100:>8.2f} %')


def main(argv=None) -> int:
    args = parse_args(argv)
    problem = argument_problem(args)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from mmdet.registry import MODELS
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import load_checkpoint

    cfg, test_pipeline = load_config(args.config, args.cfg_options,
                                     args.short_side)
    scale = next((t['scale'] for t in test_pipeline
                  if t['type'] == 'Resize'), None)
    if scale is None:
        print(f'{args.config}: no Resize in test_dataloader.dataset.pipeline '
              'to take the input scale from', file=sys.stderr)
        return 1
    modes = ('infer', 'train') if args.mode == 'both' else (args.mode, )
    pipelines = dict(infer=test_pipeline)
    if 'train' in modes:
        pipelines['train'] = training_pipeline(cfg, args.config, scale)

    device = torch.device(args.device)
    peaks = None if args.no_peak else measure_peaks(device)
    with tempfile.TemporaryDirectory() as folder:
        paths = make_pages(folder, args.pages)
        ocr_dir = osp.join(folder, 'ocr')
        for pipeline in pipelines.values():
            for transform in pipeline:
                if transform['type'] == 'OCRTokenLoad':
                    transform['ocr_root'] = ocr_dir

        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        if args.checkpoint:
            load_checkpoint(model, args.checkpoint, map_location='cpu')
        model.to(device)
        clock = ComponentClock(args.device)
        rows = instrument(model, clock)
        results = {}
        for mode in modes:
            training = mode == 'train'
            model.train(training)
            optim_wrapper = None
            mode_rows = list(rows)
            if training:
                optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
                instrument_optimizer(optim_wrapper, clock, mode_rows)
            run = Iteration(model, pipelines[mode],
                            page_inputs(paths, ocr_dir, training), clock,
                            optim_wrapper)
            results[mode] = (mode_rows, profile(run, clock, args, training))

    print(f'CPU: {cpu_model_name()} ({os.cpu_count()} cores), capability '
          f'{torch.backends.cpu.get_cpu_capability()}, native bf16 '
          f'{"yes" if cpu_has_native_bf16() else "no"}; torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads; load '
          f'average {os.getloadavg()[0]:.2f}')
    if args.device == 'cuda':
        print(f'GPU: {torch.cuda.get_device_name()}, CUDA '
              f'{torch.version.cuda}')
    if peaks:
        print('matmul peak (measure_peaks of tools/benchmarks/'
              'bench_backbone.py): ' + ', '.join(
                  f'{name} {value:.0f} GFLOP/s'
                  for name, value in peaks.items()))
    else:
        print('matmul peak: not measured (--no-peak)')
    parameters = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'model: {cfg.model.type} of {args.config}, {parameters:.2f} M '
          f'parameters, weights '
          f'{args.checkpoint or "random (no --checkpoint)"}')
    print(f'run: {args.device}, fp32; an iteration is a batch of '
          f'{args.pages} synthetic page(s) {PAGE_SIZE[0]}x{PAGE_SIZE[1]}; '
          f'{args.repeat} timed after {args.warmup} warm-up; FLOPs counted '
          f'in {"the first warm-up" if args.warmup else "one more untimed"}'
          ' iteration')
    peak = peaks['fp32'] if peaks else None
    for mode, (mode_rows, result) in results.items():
        samples = result['data']['data_samples']
        height, width = samples[0].img_shape
        tokens = [len(s.text.input_ids) for s in samples if 'text' in s]
        text = (f'{np.mean(tokens):.0f} tokens/page' if tokens else
                'image-only')
        training = mode == 'train'
        table = table_rows(mode_rows, result)
        title = ('training step (forward, backward, optimizer step)'
                 if training else 'inference')
        print_table(f'{title}, input {width}x{height} (first page), {text}',
                    table, peak)
        if training and result['split'] is None:
            print('backward: one row (--no-backward-split)')
        elif training:
            print('backward: split in the proportions of one profiled step')
        for group in ('backbone', 'text encoder'):
            for line in group_summary(group, table, peak, training):
                print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
