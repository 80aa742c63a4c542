"""Convert an mmlayout LayoutLMv3MM checkpoint into a Hugging Face
LayoutLMv3 folder.

Example::

    python tools/model_converters/mmlayout2hf.py \
        work_dirs/pretrain_tiny/iter_20000.pth checkpoints/layoutlmv3-mine \
        --arch base --arch-cfg num_layers=6

``SRC`` is a checkpoint holding a LayoutLMv3MM state dict under
``state_dict``: bare keys (what ``hf2mmlayout.py`` writes), or keys under
``backbone.`` (a detector, or ``LayoutLMv3Pretrainer``). Everything outside
the backbone (``mlm_head.*``, ``mim_head.*``, ``wpa_head.*``, ``mask_token``,
``neck.*``, ``rpn_head.*``, ...) is dropped and listed. The architecture is
``SRC``'s ``meta['backbone']`` when it has one (``hf2mmlayout.py`` stores
it), else ``--arch`` (default ``base``); ``--arch`` and ``--arch-cfg``
override it. Which optional parts the backbone has is read from the
tensors: the text embedding (``text_embed.*``, else ``image_only``) and the
attention biases (``attn_bias.*``).

``DST_DIR`` gets what ``LayoutLMv3Model.save_pretrained`` writes:

- ``config.json``: a ``LayoutLMv3Config`` whose fields are the arch's
  (``hidden_size`` = ``embed_dims``, ``num_hidden_layers`` = ``num_layers``
  ... as ``HF_CONFIG_TO_ARCH`` pairs them; ``input_size`` =
  ``pretrain_img_size``), ``visual_embed=True``, ``text_embed`` when the
  text embedding exists, ``has_relative_attention_bias`` /
  ``has_spatial_attention_bias`` when ``attn_bias.rel_pos_weight`` /
  ``attn_bias.rel_{x,y}_weight`` exist;
- ``model.safetensors``: the tensors (float32) under Hugging Face names, the
  inverse of ``hf2mmlayout.py``'s renaming (``to_hf_state_dict`` in
  ``mmlayout/models/utils/layoutlmv3_checkpoint.py``); for C channels,
  ``layers.N.attn.qkv`` (3C, C) is split into
  ``encoder.layer.N.attention.self.{query,key,value}`` (C, C) each.

The checkpoint is first loaded strictly into a ``LayoutLMv3MM`` of that
arch, the converted tensors into ``transformers.LayoutLMv3Model``, with no
missing or unexpected key allowed. The folder is written beside ``DST_DIR``,
loaded back with ``LayoutLMv3Model.from_pretrained`` and compared tensor by
tensor, and only then are its files put into ``DST_DIR``, each atomically;
other files there (e.g. a tokenizer) are kept.
"""
import argparse
import dataclasses
import os
import os.path as osp
import shutil
import sys
import tempfile
from collections import Counter
from typing import Dict, List, Tuple

import torch
from mmengine.config import DictAction
from torch import Tensor
from transformers import LayoutLMv3Config, LayoutLMv3Model

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.backbones.layoutlmv3_mm import LAYOUTLMV3_ARCHS
from mmlayout.models.utils.layoutlmv3_checkpoint import (
    CONFIG_FILE,
    HF_CONFIG_TO_ARCH,
    CheckpointMismatchError,
    read_state_dict,
    strip_known_prefixes,
    to_hf_state_dict,
)
from mmlayout.utils import atomic_write

#: Keys every LayoutLMv3MM state dict holds.
BACKBONE_KEYS = ('cls_token', 'pos_embed', 'layers.0.attn.qkv.weight')


def count_groups(keys: List[str]) -> str:
    """Keys counted by their first name, in order of appearance, e.g.
    ``'mlm_head (2), mask_token (1)'``."""
    groups = Counter(key.split('.')[0] for key in keys)
    return ', '.join(f'{group} ({count})' for group, count in groups.items())


def read_backbone(path: str) -> Tuple[Dict[str, Tensor], List[str], Dict]:
    """Read the LayoutLMv3MM tensors and the ``meta`` of a checkpoint.

    Returns:
        tuple[dict, list[str], dict]: The backbone's state dict (without
        ``backbone.``), the keys dropped as outside the backbone, and the
        checkpoint's ``meta`` (empty when it has none).

    Raises:
        CheckpointMismatchError: When the state dict holds no LayoutLMv3MM,
            or one with a convolutional stem (which Hugging Face LayoutLMv3
            has not).
    """
    state_dict, dropped = strip_known_prefixes(read_state_dict(path))
    absent = [key for key in BACKBONE_KEYS if key not in state_dict]
    if absent:
        raise CheckpointMismatchError(
            f'{path} holds no LayoutLMv3MM state dict: no '
            f'{", ".join(absent)}, bare or under `backbone.`. Its '
            f'{len(state_dict)} keys are under {count_groups(state_dict)}')
    if 'patch_embed.weight' not in state_dict:
        stem = sorted(
            key for key in state_dict if key.startswith('patch_embed.'))
        raise CheckpointMismatchError(
            f'{path}: the backbone embeds images with a convolutional stem '
            f'(stem_channels: {", ".join(stem)}), which Hugging Face '
            'LayoutLMv3 has not; it cannot be converted')
    meta = {}
    if not path.endswith('.safetensors'):
        # memory-mapped: only `meta` is read again
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=True, mmap=True)
        meta = checkpoint.get('meta') or {}
    return state_dict, dropped, meta


def build_backbone(path: str, state_dict: Dict[str, Tensor], arch: str,
                   arch_cfg: Dict) -> LayoutLMv3MM:
    """Load a state dict strictly into the LayoutLMv3MM it describes.

    The text embedding and the attention biases are on when their tensors
    are in the state dict.

    Args:
        path (str): The checkpoint, for messages.
        state_dict (dict[str, Tensor]): LayoutLMv3MM keys.
        arch (str): Preset.
        arch_cfg (dict): Arch fields overriding the preset.

    Returns:
        LayoutLMv3MM: The model, holding the checkpoint's tensors.

    Raises:
        CheckpointMismatchError: When the state dict does not fit the arch.
    """
    has_text = any(key.startswith('text_embed.') for key in state_dict)
    model = LayoutLMv3MM(
        arch=arch,
        arch_cfg=arch_cfg,
        image_only=not has_text,
        rel_pos_bias='attn_bias.rel_pos_weight' in state_dict,
        spatial_bias='attn_bias.rel_x_weight' in state_dict)
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        raise CheckpointMismatchError(
            f'{path} does not fit LayoutLMv3MM(arch={arch!r}, '
            f'arch_cfg={arch_cfg}): {error}\nGive the arch the checkpoint '
            "was trained with (its config's model.backbone.arch and arch_cfg)"
            ' with --arch and --arch-cfg.') from error
    return model


def hf_config(model: LayoutLMv3MM) -> LayoutLMv3Config:
    """The ``LayoutLMv3Config`` of a LayoutLMv3MM."""
    arch = dataclasses.asdict(model.arch)
    return LayoutLMv3Config(
        **{
            hf_field: arch[field]
            for hf_field, field in HF_CONFIG_TO_ARCH.items()
        },
        input_size=model.arch.pretrain_img_size,
        hidden_act='gelu',
        visual_embed=True,
        text_embed=not model.image_only,
        has_relative_attention_bias=model.attn_bias.use_rel_pos,
        has_spatial_attention_bias=model.attn_bias.use_spatial)


def convert(model: LayoutLMv3MM) -> LayoutLMv3Model:
    """Build the ``transformers.LayoutLMv3Model`` of a LayoutLMv3MM.

    Raises:
        CheckpointMismatchError: When a tensor has no Hugging Face name, or
            the Hugging Face model lacks or has no place for a tensor.
    """
    hf_state, unknown = to_hf_state_dict(model.state_dict())
    hf_model = LayoutLMv3Model(hf_config(model))
    result = hf_model.load_state_dict(hf_state, strict=False)
    problems = {
        'LayoutLMv3MM tensors without a Hugging Face name': unknown,
        'Hugging Face tensors not filled': result.missing_keys,
        'converted tensors Hugging Face has no place for':
        result.unexpected_keys,
    }
    problems = {name: keys for name, keys in problems.items() if keys}
    if problems:
        raise CheckpointMismatchError(
            'The converted tensors do not fit transformers.LayoutLMv3Model: ' +
            '; '.join(f'{name}: {", ".join(keys)}'
                      for name, keys in problems.items()))
    return hf_model


def check_loading(folder: str, hf_model: LayoutLMv3Model) -> int:
    """Load a written folder with ``LayoutLMv3Model.from_pretrained``.

    Returns:
        int: The number of tensors, every one loaded and equal to
        ``hf_model``'s.

    Raises:
        RuntimeError: When a tensor is missing, unexpected, misshapen or
            different.
    """
    loaded, info = LayoutLMv3Model.from_pretrained(
        folder, output_loading_info=True)
    problems = {name: keys for name, keys in info.items() if keys}
    expected = hf_model.state_dict()
    different = [
        key for key, value in loaded.state_dict().items()
        if not torch.equal(value, expected[key])
    ]
    if problems or different:
        raise RuntimeError(
            f'transformers does not load {folder} as converted: {problems}'
            f'; tensors that differ: {different}')
    return len(expected)


def write_folder(hf_model: LayoutLMv3Model, dst: str) -> Tuple[List[str], int]:
    """Save a model into ``dst``, checked, each file written atomically.

    ``save_pretrained`` writes into a hidden folder beside ``dst``, which is
    loaded back (:func:`check_loading`); then its files are copied into
    ``dst``, ``config.json`` last.

    Returns:
        tuple[list[str], int]: The files written and the number of tensors.
    """
    parent = osp.dirname(osp.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(
            dir=parent, prefix=f'.{osp.basename(dst)}.') as tmp:
        hf_model.save_pretrained(tmp)
        count = check_loading(tmp, hf_model)
        names = sorted(os.listdir(tmp), key=lambda name: name == CONFIG_FILE)
        for name in names:
            with atomic_write(osp.join(dst, name)) as f:
                with open(osp.join(tmp, name), 'rb') as src:
                    shutil.copyfileobj(src, f)
    return names, count


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an mmlayout LayoutLMv3MM checkpoint into a '
        'Hugging Face LayoutLMv3 folder',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'src',
        help='checkpoint holding a LayoutLMv3MM state dict: bare keys '
        '(hf2mmlayout.py) or under backbone. (a detector or pretrainer)')
    parser.add_argument(
        'dst', help='output folder (config.json + model.safetensors)')
    parser.add_argument(
        '--arch',
        choices=sorted(LAYOUTLMV3_ARCHS),
        help="LayoutLMv3MM preset (default: the checkpoint's "
        "meta['backbone'], else base)")
    parser.add_argument(
        '--arch-cfg',
        nargs='+',
        action=DictAction,
        default={},
        help="arch fields overriding the preset and the checkpoint's, "
        'key=value (e.g. num_layers=6)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    state_dict, dropped, meta = read_backbone(args.src)
    saved = meta.get('backbone', {})
    arch = args.arch or saved.get('arch', 'base')
    arch_cfg = {**saved.get('arch_cfg', {}), **args.arch_cfg}
    print(f'Read {len(state_dict)} LayoutLMv3MM tensors from {args.src}; '
          f'arch {arch!r}, arch_cfg {arch_cfg}' +
          (" (from its meta['backbone'])" if saved else ''))
    if dropped:
        print(f'Dropped {len(dropped)} keys outside the backbone: '
              f'{count_groups(dropped)}')
    model = build_backbone(args.src, state_dict, arch, arch_cfg)
    hf_model = convert(model)
    names, count = write_folder(hf_model, args.dst)
    config = hf_model.config
    print(f'Wrote {args.dst}: {", ".join(names)}; {count} tensors, loaded '
          'back into transformers.LayoutLMv3Model with no missing or '
          'unexpected keys.')
    print(f'text_embed={config.text_embed}, has_relative_attention_bias='
          f'{config.has_relative_attention_bias}, '
          f'has_spatial_attention_bias={config.has_spatial_attention_bias}, '
          f'input_size={config.input_size}')
    if config.has_spatial_attention_bias and not (
            config.has_relative_attention_bias):
        print('WARNING: Hugging Face LayoutLMv3 ignores the spatial bias '
              'without the 1D bias, LayoutLMv3MM applies it: the two '
              'models give different outputs.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
