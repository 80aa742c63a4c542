"""Benchmark LayoutLMv3MM against transformers' LayoutLMv3Model.

Measures forward time, forward+backward time and peak memory of both models
(base size, random weights, biases on) at 224x224 with text, LayoutLMv3MM
alone at detection size with and without gradient checkpointing, and
LayoutLMv3MM's forward under bf16 autocast. Achieved GFLOP/s (FLOPs counted
with ``torch.utils.flop_counter``) are compared with the matmul peaks of the
device, measured at the start.

Every case runs in a fresh subprocess, so that peak memory (peak RSS on CPU,
``max_memory_allocated`` on CUDA) belongs to that case alone.

    python tools/benchmarks/bench_backbone.py                 # CPU, ~30 min
    python tools/benchmarks/bench_backbone.py --device cuda   # GPU

Dropout is off in both models so that they do the same work.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Dict, List, Optional

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from mmlayout.utils import cpu_has_native_bf16

#: Peaks quoted for the development CPU (GFLOP/s), for reference.
QUOTED_CPU_PEAKS = {'fp32': 200., 'bf16': 755.}
DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--threads', type=int, default=None, help='torch threads (CPU)')
    parser.add_argument('--repeats', type=int, default=2,
                        help='timed iterations per case (after 1 warm-up); '
                        'the best is reported')
    parser.add_argument('--rounds', type=int, default=2,
                        help='the 224x224 cases run this many times, '
                        'alternating the models, and keep their best time '
                        '(robust to other load on a shared machine)')
    parser.add_argument('--batch', type=int, default=2,
                        help='batch of the 224x224 comparison')
    parser.add_argument('--tokens', type=int, default=510,
                        help='text tokens of the 224x224 comparison '
                        '(Hugging Face accepts at most 510 with an image)')
    parser.add_argument('--det-batch', type=int, default=None,
                        help='batch at detection size (default: 2 on CPU, '
                        '8 on CUDA)')
    parser.add_argument('--det-size', type=int, nargs=2, default=(800, 608),
                        metavar=('H', 'W'))
    parser.add_argument('--det-tokens', type=int, default=512)
    parser.add_argument('--groups', nargs='+', choices=('224', 'det'),
                        default=('224', 'det'),
                        help='which cases to run: the 224x224 comparison '
                        'with Hugging Face, detection size, or both')
    parser.add_argument('--arch-cfg', type=json.loads, default=None,
                        help='JSON overrides of the base preset (smoke '
                        'tests), e.g. \'{"num_layers": 2}\'')
    parser.add_argument('--case', type=json.loads, default=None,
                        help=argparse.SUPPRESS)  # internal: run one case
    return parser.parse_args()


# ----------------------------------------------------------------------------
# one case, in its own process
# ----------------------------------------------------------------------------
def build_model(case: Dict, arch_cfg: Optional[Dict]) -> torch.nn.Module:
    """Base-size model with random weights and no dropout."""
    if case['model'] == 'hf':
        from transformers import LayoutLMv3Config, LayoutLMv3Model
        fields = dict(hidden_dropout_prob=0., attention_probs_dropout_prob=0.)
        if arch_cfg:
            fields.update(
                num_hidden_layers=arch_cfg.get('num_layers', 12))
        return LayoutLMv3Model(LayoutLMv3Config(**fields))
    from mmlayout.models.backbones import LayoutLMv3MM
    model = LayoutLMv3MM(
        arch='base',
        arch_cfg=arch_cfg,
        out_indices=case['out_indices'],
        drop_path_rate=0.,
        with_cp=case['with_cp'])
    model.init_weights()
    return model


def make_inputs(case: Dict, device: torch.device) -> Dict:
    """Random page: image, token ids, segment boxes on the 0-1000 grid."""
    generator = torch.Generator().manual_seed(0)
    batch, tokens = case['batch'], case['tokens']
    images = torch.randn(batch, 3, case['height'], case['width'],
                         generator=generator)
    input_ids = torch.randint(3, 50000, (batch, tokens), generator=generator)
    corner = torch.randint(0, 900, (batch, tokens, 2), generator=generator)
    size = torch.randint(5, 100, (batch, tokens, 2), generator=generator)
    bboxes = torch.cat([corner, corner + size], dim=-1)
    mask = torch.ones(batch, tokens, dtype=torch.long)
    inputs = dict(images=images, input_ids=input_ids, bboxes=bboxes,
                  attention_mask=mask)
    return {key: value.to(device) for key, value in inputs.items()}


def run_model(model: torch.nn.Module, case: Dict, inputs: Dict):
    """One forward, plus backward in ``train`` mode.

    The loss is the mean cube of the outputs: their mean square would be
    constant (every token leaves a LayerNorm with unit weight), and the
    gradients numerical noise.
    """
    if case['model'] == 'hf':
        out = model(
            input_ids=inputs['input_ids'],
            bbox=inputs['bboxes'],
            attention_mask=inputs['attention_mask'],
            pixel_values=inputs['images']).last_hidden_state
        loss = out.float().pow(3).mean()
    else:
        out = model(**inputs)
        loss = sum(o.float().pow(3).mean() for o in out)
        loss = loss + sum(t.float().pow(3).mean() for t in out.text_states)
    if case['mode'] == 'train':
        loss.backward()


def current_rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def run_case(case: Dict, args: argparse.Namespace) -> Dict:
    device = torch.device(args.device)
    model = build_model(case, args.arch_cfg).to(device)
    inputs = make_inputs(case, device)
    train = case['mode'] == 'train'
    model.train(train)
    autocast = torch.autocast(
        device.type, dtype=DTYPES[case['dtype']],
        enabled=case['dtype'] != 'fp32')

    def step():
        with torch.set_grad_enabled(train), autocast:
            run_model(model, case, inputs)
        if train:
            model.zero_grad(set_to_none=True)
        if device.type == 'cuda':
            torch.cuda.synchronize()

    if device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base_memory = torch.cuda.memory_allocated()
    else:
        base_memory = current_rss()
    step()  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if device.type == 'cuda':
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    # Model FLOPs: one forward, times 3 with the backward; recomputation
    # (checkpointing, attention probabilities) is not counted. The counter
    # cannot see inside fused CPU attention kernels: count unfused maths.
    counter = FlopCounterMode(display=False)
    with counter, sdpa_kernel(SDPBackend.MATH), torch.no_grad(), autocast:
        run_model(model, dict(case, mode='forward'), inputs)
    return dict(
        seconds=min(times),
        peak_gb=peak / 2**30,
        added_gb=(peak - base_memory) / 2**30,
        gflop=counter.get_total_flops() / 1e9 * (3 if train else 1))


# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------
def matmul_rate(op, size: int, dtype: torch.dtype, device: torch.device,
                repeats: int) -> float:
    """GFLOP/s of the fastest of ``repeats`` ``size``-cubed matmuls."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    op(a, b)  # warm-up
    best = float('inf')
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        op(a, b)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def measure_peaks(device: torch.device) -> Dict[str, float]:
    """Best GFLOP/s of square ``torch.mm`` and ``F.linear`` per dtype.

    Each op is probed at 512-cubed first; one without a fast kernel (bf16
    ``mm`` runs at ~1 GFLOP/s on CPUs without AVX512-BF16/AMX) is not timed
    at full size, which would take minutes.
    """
    size = 8192 if device.type == 'cuda' else 2048
    peaks = {}
    for name, dtype in DTYPES.items():
        rates = []
        for op in (torch.mm, torch.nn.functional.linear):
            rate = matmul_rate(op, 512, dtype, device, 1)
            if rate > 5:
                rate = matmul_rate(op, size, dtype, device, 5)
            rates.append(rate)
        peaks[name] = max(rates)
    return peaks


def spawn(case: Dict, args: argparse.Namespace) -> Dict:
    """Run one case in a fresh interpreter and return its measurements."""
    command = [sys.executable, __file__, '--device', args.device,
               '--repeats', str(args.repeats), '--case', json.dumps(case)]
    if args.threads:
        command += ['--threads', str(args.threads)]
    if args.arch_cfg:
        command += ['--arch-cfg', json.dumps(args.arch_cfg)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f'case {case} failed:\n{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_cases(args: argparse.Namespace) -> List[Dict]:
    num_layers = (args.arch_cfg or {}).get('num_layers', 12)
    out_indices = [3, 5, 7, 11] if num_layers == 12 else [num_layers - 1]
    base = dict(out_indices=out_indices, with_cp=False, dtype='fp32')
    small = dict(base, batch=args.batch, tokens=args.tokens, height=224,
                 width=224)
    det_batch = args.det_batch or (8 if args.device == 'cuda' else 2)
    det = dict(base, batch=det_batch, tokens=args.det_tokens,
               height=args.det_size[0], width=args.det_size[1])
    cases = []
    for mode in ('forward', 'train'):
        for model in ('hf', 'mm'):
            cases.append(dict(small, model=model, mode=mode, group='224'))
    cases.append(dict(small, model='mm', mode='forward', dtype='bf16',
                      group='224'))
    det_dtypes = ('fp32', 'bf16') if args.device == 'cuda' else ('fp32', )
    for dtype in det_dtypes:
        cases.append(dict(det, model='mm', mode='forward', dtype=dtype,
                          group='det'))
        for with_cp in (False, True):
            cases.append(dict(det, model='mm', mode='train', dtype=dtype,
                              with_cp=with_cp, group='det'))
    return cases


def describe(case: Dict) -> str:
    name = 'HF LayoutLMv3Model' if case['model'] == 'hf' else 'LayoutLMv3MM'
    extras = [case['dtype']] + (['with_cp'] if case['with_cp'] else [])
    return f'{name} {case["mode"]} ({", ".join(extras)})'


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.case is not None:
        print(json.dumps(run_case(args.case, args)))
        return
    device = torch.device(args.device)
    if device.type == 'cuda':
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = (
            f'CPU ({torch.backends.cpu.get_cpu_capability()}, native bf16 '
            f'{"yes" if cpu_has_native_bf16() else "no"}), '
            f'{torch.get_num_threads()} threads')
    peaks = measure_peaks(device)
    print(f'torch {torch.__version__} on {device_name}; load average '
          f'{os.getloadavg()[0]:.2f} at start')
    print('matmul peak (measured, best of mm/linear): ' + ', '.join(
        f'{name} {value:.0f} GFLOP/s' for name, value in peaks.items()))
    if device.type == 'cpu':
        print('matmul peak (quoted for the development CPU): ' + ', '.join(
            f'{name} {value:.0f} GFLOP/s'
            for name, value in QUOTED_CPU_PEAKS.items()))

    cases = [case for case in make_cases(args)
             if case['group'] in args.groups]
    best = {}
    for round_index in range(args.rounds):
        for index, case in enumerate(cases):
            if round_index and case['group'] != '224':
                continue
            result = spawn(case, args)
            if index not in best or result['seconds'] < best[index]['seconds']:
                best[index] = result
            print(f'  round {round_index + 1}: {describe(case)} '
                  f'{case["group"]}: {json.dumps(result)}',
                  file=sys.stderr, flush=True)
    results = [(case, best[index]) for index, case in enumerate(cases)]

    print(f'load average {os.getloadavg()[0]:.2f} at the end '
          '(other processes share the CPU when it exceeds the threads)')
    memory = 'peak RSS' if device.type == 'cpu' else 'peak alloc'
    header = (f'{"case":<44} {"time s":>8} {memory + " GB":>14} '
              f'{"added GB":>9} {"GFLOP":>8} {"GFLOP/s":>8} '
              f'{"% peak":>7}')
    for group, title in (
        ('224', f'224x224 + {args.tokens} tokens, batch {args.batch}, '
         'base, biases on'),
        ('det', f'{args.det_size[0]}x{args.det_size[1]} + '
         f'{args.det_tokens} tokens, LayoutLMv3MM only')):
        if group not in args.groups:
            continue
        print(f'\n{title}')
        print(header)
        for case, result in results:
            if case['group'] != group:
                continue
            rate = result['gflop'] / result['seconds']
            share = 100 * rate / peaks[case['dtype']]
            extra = ''
            if device.type == 'cpu':
                quoted = 100 * rate / QUOTED_CPU_PEAKS[case['dtype']]
                extra = f'  ({quoted:.0f}% of quoted)'
            print(f'{describe(case):<44} {result["seconds"]:>8.3f} '
                  f'{result["peak_gb"]:>14.2f} {result["added_gb"]:>9.2f} '
                  f'{result["gflop"]:>8.0f} {rate:>8.1f} {share:>6.0f}%'
                  f'{extra}')

    def find(**keys):
        return next(result for case, result in results
                    if all(case.get(k) == v for k, v in keys.items()))

    if '224' in args.groups:
        print('\nLayoutLMv3MM vs HF at 224x224 (goal: forward >= 1.3x '
              'faster, training peak memory <= 0.7x)')
        for mode in ('forward', 'train'):
            hf = find(group='224', model='hf', mode=mode, dtype='fp32')
            mm = find(group='224', model='mm', mode=mode, dtype='fp32')
            print(f'  {mode:<8} speed-up '
                  f'{hf["seconds"] / mm["seconds"]:.2f}x, {memory} ratio '
                  f'{mm["peak_gb"] / hf["peak_gb"]:.2f}, added-memory ratio '
                  f'{mm["added_gb"] / hf["added_gb"]:.2f}')
        fp32 = find(group='224', model='mm', mode='forward', dtype='fp32')
        bf16 = find(group='224', model='mm', mode='forward', dtype='bf16')
        print(f'  bf16 autocast forward vs fp32: '
              f'{fp32["seconds"] / bf16["seconds"]:.2f}x speed')
    if 'det' in args.groups:
        forward = find(group='det', mode='forward', dtype='fp32')
        print('\nLayoutLMv3MM at detection size: training step / forward '
              '(goal <= 3.3x; the arithmetic gives 3x)')
        for with_cp in (False, True):
            train = find(group='det', mode='train', dtype='fp32',
                         with_cp=with_cp)
            print(f'  {"with_cp" if with_cp else "no checkpointing":<16} '
                  f'{train["seconds"] / forward["seconds"]:.2f}x')

if __name__ == '__main__':
    main()
