"""Time TextBoxFusion against a plain per-box loop.

Setting (defaults): batch 2, 512 word tokens (random word-sized boxes, or
with ``--tokens-per-line N`` lines of N tokens sharing a box, as
OCRTokenLoad gives them), 4 levels of 768-channel 50x38 maps (an 800x608
canvas at stride 16; the second page is 90% of it, padded) and 768-channel
text states, as LayoutLMv3MM base gives them. The loop (the one of the unit
tests) projects every token's state with the linear layers and adds it to
its box's cells, image by image, token by token, level by level.

``--stride`` and ``--map-channels`` take one value per level for the
levels of a CNN (the text-aware ResNet-18's: ``--stride 4 8 16 32
--map-channels 64 128 256 512 --text-channels 256``); ``--map-size`` is
then the size of the first level, and the others cover the same canvas.

Prints the largest difference of the outputs and median milliseconds
(after one warm-up) of the forward (no grad) and of forward+backward, with
the speed-ups. Also the forward's floor: the two steps that any fusion
projecting each box once must take (the projection of every distinct box,
and one elementwise pass that writes the output maps), and the speed-up
over the loop that this floor allows on the machine. With
``--with-backbone`` it also times a forward of LayoutLMv3MM (base, random
weights) on 800x608 images with the same tokens, and gives the fusion's
share of it.

Example::

    python tools/benchmarks/bench_fusion.py --repeats 5 --with-backbone
    python tools/benchmarks/bench_fusion.py --skip-loop-backward \
        --map-size 200 152 --stride 4 8 16 32 \
        --map-channels 64 128 256 512 --text-channels 256
"""
import argparse
import math
import os
import statistics
import time
from fractions import Fraction
from typing import Callable, Dict, List

import torch

from mmlayout.models.plugins import TextBoxFusion
from mmlayout.structures import word_token_mask
from mmlayout.utils import cpu_model_name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--threads', type=int, default=None, help='torch threads (CPU)')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument(
        '--tokens',
        type=int,
        default=512,
        help='text tokens per image, <s> and </s> included')
    parser.add_argument(
        '--tokens-per-line',
        type=int,
        default=1,
        help='tokens sharing one box (1: every token its own word box)')
    parser.add_argument(
        '--map-size', type=int, nargs=2, default=(50, 38), metavar=('H', 'W'))
    parser.add_argument('--levels', type=int, default=4)
    parser.add_argument(
        '--map-channels',
        type=int,
        nargs='+',
        default=[768],
        help='one value for all levels or one per level')
    parser.add_argument('--text-channels', type=int, default=768)
    parser.add_argument(
        '--stride',
        type=int,
        nargs='+',
        default=[16],
        help='input pixels per cell, one value for all levels or one per '
        'level; --map-size is the first level\'s size')
    parser.add_argument(
        '--repeats',
        type=int,
        default=5,
        help='timed runs per case after 1 warm-up; the '
        'median is reported')
    parser.add_argument(
        '--loop-repeats',
        type=int,
        default=1,
        help='timed runs of the loop per case (its forward+backward runs '
        'without warm-up: autograd copies the sum map once per box, '
        'about 2 min at the default size on 2 cores)')
    parser.add_argument(
        '--skip-loop-backward',
        action='store_true',
        help='do not time the forward+backward of the loop')
    parser.add_argument(
        '--with-backbone',
        action='store_true',
        help='also time LayoutLMv3MM base (slow on CPU)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def cell_span(start: int, end: int, size: int, num_cells: int, stride: int):
    """Cells ``[first, end)`` covered along one axis, exactly."""
    first = math.floor(Fraction(start * size, 1000) / stride)
    first = min(max(first, 0), num_cells - 1)
    last = math.ceil(Fraction(end * size, 1000) / stride)
    return first, min(max(last, first + 1), num_cells)


def loop_fusion(fusion,
                visual_maps,
                text_states,
                bboxes,
                token_mask,
                valid_shapes) -> List[torch.Tensor]:
    """TextBoxFusion as a plain loop over images, tokens and levels."""
    gates = fusion.gate.split(fusion.map_channels)
    boxes, fused = bboxes.tolist(), token_mask.tolist()
    outputs = []
    for level, visual_map in enumerate(visual_maps):
        stride = fusion.strides[level]
        batch_size, _, height, width = visual_map.shape
        values = fusion.text_projs[level](text_states[level])
        values = values.unbind(1)  # per token: one autograd node, not L
        total = torch.zeros_like(visual_map)
        count = visual_map.new_zeros(batch_size, 1, height, width)
        for b, (h, w) in enumerate(valid_shapes.tolist()):
            for t, (x0, y0, x1, y1) in enumerate(boxes[b]):
                if not fused[b][t]:
                    continue
                cx0, cx1 = cell_span(x0, x1, w, width, stride)
                cy0, cy1 = cell_span(y0, y1, h, height, stride)
                total[b, :, cy0:cy1, cx0:cx1] += values[t][b, :, None, None]
                count[b, :, cy0:cy1, cx0:cx1] += 1
        mean = torch.where(count > 0, total / count.clamp(min=1), 0.)
        outputs.append(visual_map + gates[level][:, None, None] * mean)
    return outputs


def make_text(args: argparse.Namespace, device: torch.device) -> Dict:
    """Word boxes of a dense page, ``<s>`` and ``</s>`` around them.

    The canvas is ``map_size`` times the first level's stride; the first
    image fills it, the others are 90% of it (padded), as in a batch of
    different pages.
    """
    generator = torch.Generator().manual_seed(args.seed)
    batch, tokens = args.batch, args.tokens
    corner = torch.randint(0, 950, (batch, tokens, 2), generator=generator)
    size = torch.randint(5, 120, (batch, tokens, 2), generator=generator)
    size[..., 1] //= 4  # words are wider than tall
    size[..., 0] *= args.tokens_per_line  # a line is as wide as its words
    bboxes = torch.cat([corner, (corner + size).clamp(max=1000)], dim=-1)
    line_start = torch.arange(tokens) // args.tokens_per_line
    bboxes = bboxes[:, line_start * args.tokens_per_line]
    bboxes[:, [0, -1]] = 0
    attention_mask = torch.ones(batch, tokens, dtype=torch.bool)
    canvas = [side * args.stride[0] for side in args.map_size]
    valid_shapes = torch.tensor([canvas] +
                                [[side * 9 // 10
                                  for side in canvas]] * (batch - 1))
    return dict(
        input_ids=torch.randint(
            3, 50000, (batch, tokens), generator=generator).to(device),
        bboxes=bboxes.to(device),
        attention_mask=attention_mask.to(device),
        valid_shapes=valid_shapes.to(device))


def median_ms(function: Callable,
              repeats: int,
              device: torch.device,
              warm_up: bool = True) -> float:
    """Median wall time of ``function()`` in ms, after one warm-up."""

    def synchronize():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    if warm_up:
        function()
    times = []
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        function()
        synchronize()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def forward_floor_ms(fusion, inputs: Dict, repeats: int,
                     device: torch.device) -> float:
    """Median ms of what every fusion that projects each box once does:
    the projection of the distinct boxes on every level, and one
    elementwise pass producing the output maps."""
    bboxes, token_mask = inputs['bboxes'], inputs['token_mask']
    image = torch.arange(bboxes.shape[0], device=device)[:, None].expand(
        token_mask.shape)
    keys = torch.cat([image[..., None], bboxes], dim=-1)[token_mask]
    num_boxes = torch.unique(keys, dim=0).shape[0]
    states = [
        level_states[token_mask][:num_boxes]
        for level_states in inputs['text_states']
    ]

    def floor():
        with torch.no_grad():
            for proj, level_states in zip(fusion.text_projs, states):
                proj(level_states)
            return [visual_map + 1 for visual_map in inputs['visual_maps']]

    return median_ms(floor, repeats, device)


def make_step(function: Callable, backward: bool) -> Callable:
    """One forward of ``function``, with a backward of the output sum."""

    def step():
        with torch.set_grad_enabled(backward):
            outputs = function()
            if backward:
                sum(output.sum() for output in outputs).backward()

    return step


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f'torch {torch.__version__}; CPU {cpu_model_name()} '
          f'({torch.backends.cpu.get_cpu_capability()}), '
          f'{torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs; '
          f'load average {os.getloadavg()[0]:.2f} at start')
    if device.type == 'cuda':
        print(f'device {torch.cuda.get_device_name(device)}')

    if device.type == 'cpu':
        # Fresh memory costs page faults, which some VMs make very slow;
        # both sides allocate, the fusion more (its summed-area table).
        buffer = torch.empty(2**24)
        fresh = median_ms(lambda: torch.zeros(2**24), 3, device)
        reused = median_ms(lambda: buffer.zero_(), 3, device)
        print(f'zeroing 64 MiB: {fresh:.1f} ms fresh, {reused:.1f} ms '
              'reused')

    torch.manual_seed(args.seed)
    one_or_each = [
        values[0] if len(values) == 1 else values
        for values in (args.map_channels, args.stride)
    ]
    fusion = TextBoxFusion(args.text_channels, one_or_each[0], args.levels,
                           one_or_each[1]).to(device)
    with torch.no_grad():
        fusion.gate.normal_()  # a trained gate: the outputs change
    text = make_text(args, device)
    # Every level covers the canvas of the first level's cells.
    canvas = [side * fusion.strides[0] for side in args.map_size]
    map_shapes = [(channels, ) + tuple(-(-side // stride) for side in canvas)
                  for channels, stride in zip(fusion.map_channels,
                                              fusion.strides)]
    inputs = dict(
        visual_maps=[
            torch.randn(args.batch, *shape, device=device)
            for shape in map_shapes
        ],
        text_states=[
            torch.randn(
                args.batch, args.tokens, args.text_channels, device=device)
            for _ in range(args.levels)
        ],
        bboxes=text['bboxes'],
        token_mask=word_token_mask(text['attention_mask']),
        valid_shapes=text['valid_shapes'])
    print(f'batch {args.batch}, {args.tokens} tokens '
          f'({int(inputs["token_mask"].sum())} fused, '
          f'{args.tokens_per_line} per box), {args.levels} levels '
          f'(C x H x W / stride: ' + ', '.join(
              f'{c}x{h}x{w}/{stride}'
              for (c, h, w), stride in zip(map_shapes, fusion.strides)) +
          f'), {args.text_channels} text channels')

    with torch.no_grad():
        fused = fusion(**inputs)
        looped = loop_fusion(fusion, **inputs)
    error = max((a - b).abs().max().item() for a, b in zip(fused, looped))
    print(f'max abs difference fusion vs loop: {error:.2e}')

    for tensor in inputs['text_states'] + inputs['visual_maps']:
        tensor.requires_grad_(True)

    cases = [
        ('forward', 'fusion', lambda: fusion(**inputs), False),
        ('forward', 'loop', lambda: loop_fusion(fusion, **inputs), False),
        ('forward+backward', 'fusion', lambda: fusion(**inputs), True),
        ('forward+backward', 'loop', lambda: loop_fusion(fusion, **inputs),
         True),
    ]
    if args.skip_loop_backward:
        del cases[3]
    results = {}
    for mode, name, function, backward in cases:
        slow = name == 'loop'
        results[mode, name] = median_ms(
            make_step(function, backward),
            args.loop_repeats if slow else args.repeats,
            device,
            warm_up=not (slow and backward))
        print(f'  {name} {mode}: {results[mode, name]:.1f} ms', flush=True)

    floor = forward_floor_ms(fusion, inputs, args.repeats, device)
    print(f'  floor of the forward: {floor:.1f} ms (projection of every '
          'distinct box + one pass writing the outputs)', flush=True)

    print(f'\n{"":<30} {"fusion ms":>10} {"loop ms":>10} {"speed-up":>9}')
    for mode in dict.fromkeys(mode for mode, _, _, _ in cases):
        fast, slow = results[mode, 'fusion'], results.get((mode, 'loop'))
        if slow is None:
            print(f'{mode:<30} {fast:>10.1f} {"-":>10} {"-":>9}')
        else:
            print(f'{mode:<30} {fast:>10.1f} {slow:>10.1f} '
                  f'{slow / fast:>8.1f}x')

    slow = results['forward', 'loop']
    print(f'{"forward floor":<30} {floor:>10.1f} {slow:>10.1f} '
          f'{slow / floor:>8.1f}x  (the most any such fusion can reach '
          'here)')

    if args.with_backbone:
        from mmlayout.models.backbones import LayoutLMv3MM
        backbone = LayoutLMv3MM(arch='base', drop_path_rate=0.).to(device)
        backbone.init_weights()
        backbone.eval()
        embed_dims = backbone.arch.embed_dims
        backbone_fusion = TextBoxFusion(embed_dims, embed_dims,
                                        len(backbone.out_indices),
                                        backbone.patch_size).to(device)
        with torch.no_grad():
            backbone_fusion.gate.normal_()
        images = torch.randn(args.batch, 3, *canvas, device=device)
        with torch.no_grad():

            def run_backbone():
                return backbone(images, text['input_ids'], text['bboxes'],
                                text['attention_mask'])

            base_ms = median_ms(run_backbone, max(1, args.repeats // 2),
                                device)
            output = run_backbone()
            backbone_inputs = dict(
                visual_maps=output,
                text_states=output.text_states,
                bboxes=text['bboxes'],
                token_mask=word_token_mask(output.text_mask),
                valid_shapes=text['valid_shapes'])
            fusion_ms = median_ms(lambda: backbone_fusion(**backbone_inputs),
                                  args.repeats, device)
        print(f'\nLayoutLMv3MM base forward ({canvas[0]}x{canvas[1]}, '
              f'{args.tokens} tokens, batch '
              f'{args.batch}): {base_ms:.0f} ms; TextBoxFusion on its '
              f'outputs: {fusion_ms:.1f} ms = '
              f'{100 * fusion_ms / base_ms:.1f}% of the backbone forward')
    print(f'load average {os.getloadavg()[0]:.2f} at the end (other '
          'processes share the CPU when it exceeds the threads)')


if __name__ == '__main__':
    main()
