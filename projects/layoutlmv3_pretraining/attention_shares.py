"""Where do the patch tokens of a LayoutLMv3MM look?

For each backbone (``NAME=CHECKPOINT``; ``none`` is a random
initialisation) and each block: the share of the image patches' attention
that goes to the text tokens, the share of the text tokens' attention that
goes to the patches, and the mean norms of the text and patch states that
enter the block, over held-out pages. If pre-training made every patch
attend mostly to the same text tokens, every patch would return the same
mixture of text states: one reading of the collapse of the patch states
that ``probe_features.py`` measures.

    CONFIGS=projects/text_vs_image/configs
    python projects/layoutlmv3_pretraining/attention_shares.py \\
        $CONFIGS/layoutmm-tiny_cascade_synth-text-decided.py \\
        scratch=none all=work_dirs/pretrain_collapse/all/iter_150.pth \\
        --cfg-options model.backbone.rel_pos_bias=False \\
        model.backbone.spatial_bias=False

Prints one table; ``uniform`` is the share that attention spread evenly
over the unmasked keys would give.
"""
import argparse
from typing import Dict, List

import torch
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from probe_features import build_backbones, build_datasets

import mmlayout  # noqa: F401  registers mmlayout components
from mmlayout.utils import prepare_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a text-aware LayoutLMv3MM detector '
                        'config (its backbone and val set are used)')
    parser.add_argument('backbones', nargs='+', metavar='NAME=CHECKPOINT')
    parser.add_argument('--pages', type=int, default=10,
                        help='held-out pages (default 10)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


class AttentionRecorder:
    """Forward hooks on every block's attention that add up, per block,
    the attention mass between the text and the patch tokens.

    Args:
        num_text (list[int]): Set before each forward: ``[L]``, the text
            tokens (padding included) ahead of the visual tokens.
    """

    def __init__(self, blocks: torch.nn.ModuleList, num_text: List[int]):
        self.num_text = num_text
        self.sums = [dict.fromkeys(
            ('patch_to_text', 'text_to_patch', 'uniform', 'text_norm',
             'patch_norm', 'pages'), 0.) for _ in blocks]
        for index, block in enumerate(blocks):
            block.attn.register_forward_hook(self._hook(index))

    def _hook(self, index: int):

        def record(module, args, output):
            tokens, bias = args[0], args[1]
            batch, length, channels = tokens.shape
            qkv = module.qkv(tokens).view(batch, length, 3,
                                          module.num_heads, -1)
            query, key = qkv.permute(2, 0, 3, 1, 4).unbind(0)[:2]
            scores = query @ key.transpose(-1, -2) * query.shape[-1]**-0.5
            if bias is not None:
                scores = scores + bias
            probs = scores.softmax(-1).mean(1)[0]  # (N, N), heads averaged
            text = self.num_text[0]
            open_keys = torch.isfinite(
                bias[0, 0, 0] if bias is not None else scores[0, 0, 0])
            # patches: after the visual CLS, not padding
            patch_rows = open_keys.clone()
            patch_rows[:text + 1] = False
            sums = self.sums[index]
            sums['patch_to_text'] += probs[patch_rows, :text].sum(-1).mean()
            sums['text_to_patch'] += probs[:text, patch_rows].sum(-1)[
                open_keys[:text]].mean()
            sums['uniform'] += (open_keys[:text].sum() /
                                open_keys.sum()).item()
            norms = tokens[0].norm(dim=-1)
            sums['text_norm'] += norms[:text][open_keys[:text]].mean()
            sums['patch_norm'] += norms[patch_rows].mean()
            sums['pages'] += 1

        return record


@torch.no_grad()
def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = prepare_config(Config.fromfile(args.config), args.config,
                         cfg_options=args.cfg_options)
    _, val_set = build_datasets(cfg, 1, args.pages)
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    rows: Dict[str, list] = {}
    for name, backbone in build_backbones(cfg, args.backbones):
        num_text = [0]
        recorder = AttentionRecorder(backbone.layers, num_text)
        for index in range(len(val_set)):
            batch = preprocessor(pseudo_collate([val_set[index]]), False)
            inputs = batch['inputs']
            num_text[0] = inputs.input_ids.shape[1]
            backbone(inputs.images, inputs.input_ids, inputs.bboxes,
                     inputs.attention_mask, inputs.valid_shapes)
        rows[name] = [{key: float(value) / sums['pages']
                       for key, value in sums.items() if key != 'pages'}
                      for sums in recorder.sums]
    print('| backbone | block | patches -> text (%) | uniform (%) | '
          'text -> patches (%) | norm in: text / patches |')
    print('|---|---:|---:|---:|---:|---|')
    for name, blocks in rows.items():
        for index, row in enumerate(blocks):
            print(f"| {name} | {index} | {100 * row['patch_to_text']:.1f} | "
                  f"{100 * row['uniform']:.1f} | "
                  f"{100 * row['text_to_patch']:.1f} | "
                  f"{row['text_norm']:.1f} / {row['patch_norm']:.1f} |")


if __name__ == '__main__':
    main()
