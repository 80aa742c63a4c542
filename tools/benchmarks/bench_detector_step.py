"""Time one training step of a detector config and report its peak memory.

Builds the config's model with random weights (``pretrained`` off), runs
its training pipeline at one fixed scale on pages of a folder laid out like
``synth_docs.py`` output (``annotations.json``, ``images/``, ``ocr/``) with
the given tokenizer, and times ``train_step`` on one batch (after
``--warmup`` untimed steps). Prints the CPU, the losses (which must be
finite), the step time and the process's peak RSS; run each variant in its
own process, so that the peak belongs to it.

Example (the base-size text-aware CDLA model at short side 800, 512
tokens a page, attention biases on and off)::

    python tools/benchmarks/bench_detector_step.py \
        configs/layoutmm_cascade_cdla.py data/synth_cdla/train \
        --tokenizer data/synth_cdla/tokenizer
    python tools/benchmarks/bench_detector_step.py \
        configs/layoutmm_cascade_cdla.py data/synth_cdla/train \
        --tokenizer data/synth_cdla/tokenizer --no-biases
"""
import argparse
import os
import resource
import time

import torch


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('pages', help='folder with annotations.json, '
                        'images/ and ocr/')
    parser.add_argument('--tokenizer', required=True)
    parser.add_argument('--short-side', type=int, default=800)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=0)
    parser.add_argument('--no-biases', action='store_true',
                        help='switch both attention biases off')
    parser.add_argument('--no-cp', action='store_true',
                        help='switch gradient checkpointing off')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper

    import mmlayout  # noqa: F401
    from mmlayout.utils import cpu_model_name
    from mmlayout.utils.runtime import apply_text_keys

    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.tokenizer = args.tokenizer
    cfg.ocr_root = '{img_dir}/../ocr'
    apply_text_keys(cfg)
    # The LayoutLMv3MM: the backbone, or a TwoStreamBackbone's text encoder.
    backbone = cfg.model.backbone.get('text_encoder', cfg.model.backbone)
    if 'pretrained' in backbone:  # random weights
        backbone.pretrained = None
    if args.no_biases:
        backbone.update(rel_pos_bias=False, spatial_bias=False)
    if args.no_cp:
        backbone.with_cp = False
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(
        data_root=args.pages.rstrip('/') + '/', ann_file='annotations.json',
        data_prefix=dict(img='images/'))
    for transform in dataset_cfg.pipeline:
        if transform.type == 'RandomChoiceResize':
            transform.scales = [(1333, args.short_side)]
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate(
        [dataset[i % len(dataset)] for i in range(args.batch_size)])

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    sample = batch['data_samples'][0]
    tokens = len(sample.text.input_ids) if 'text' in sample else 0
    print(f'CPU: {cpu_model_name()} ({os.cpu_count()} cores), torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads, '
          f'capability {torch.backends.cpu.get_cpu_capability()}')
    print(f'{args.config}: batch {args.batch_size}, image '
          f'{tuple(batch["inputs"][0].shape[1:])}, {tokens} tokens, biases '
          f'{"off" if args.no_biases else "as configured"}, checkpointing '
          f'{backbone.get("with_cp", False)}')
    for _ in range(args.warmup):
        model.train_step(batch, optim_wrapper)
    start = time.perf_counter()
    losses = model.train_step(batch, optim_wrapper)
    seconds = time.perf_counter() - start
    finite = all(torch.isfinite(v).all() for v in losses.values())
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print('losses: ' + ', '.join(f'{k} {float(v):.3f}'
                                 for k, v in losses.items()))
    print(f'step {seconds:.1f} s, peak RSS {peak_gb:.2f} GB, losses '
          f'{"finite" if finite else "NOT finite"}')


if __name__ == '__main__':
    main()
