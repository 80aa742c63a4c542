"""Convert a Hugging Face LayoutLMv3 checkpoint into an mmlayout backbone
checkpoint.

Example::

    python tools/model_converters/hf2mmlayout.py \
        checkpoints/layoutlmv3-base checkpoints/layoutlmv3-base_mm.pth \
        --arch base

``SRC`` is what ``LayoutLMv3MM(pretrained=...)`` accepts: a Hugging Face
directory (``config.json`` + ``model.safetensors`` or ``pytorch_model.bin``),
a single weights file, or a hub name. Base models (bare keys) and task
models (keys prefixed ``layoutlmv3.``, whose heads are dropped) both work.

``DST`` is a ``torch.save`` file ``{'state_dict': ..., 'meta': ...}``:

- ``state_dict``: LayoutLMv3MM's own keys (no ``backbone.`` prefix), in
  float32, renamed as ``mmlayout/models/utils/layoutlmv3_checkpoint.py``
  does; for C channels (Hugging Face name -> LayoutLMv3MM name):

  - ``embeddings.word_embeddings`` (V, C) -> ``text_embed.word_embed``,
    ``embeddings.{x,y,h,w}_position_embeddings`` ->
    ``text_embed.{x,y,h,w}_embed``, ``embeddings.LayerNorm`` ->
    ``text_embed.norm`` (and the other text tables alike);
  - ``patch_embed.proj`` (C, 3, 16, 16) -> ``patch_embed``; ``cls_token``
    (1, 1, C) and ``pos_embed`` (1, 1 + 14 * 14, C) keep their names;
    ``norm`` -> ``visual_norm``, ``LayerNorm`` -> ``embed_norm``;
  - ``encoder.layer.N.attention.self.{query,key,value}`` (C, C) each ->
    ``layers.N.attn.qkv`` (3C, C), stacked in that order;
    ``attention.output.dense`` -> ``attn.proj``,
    ``attention.output.LayerNorm`` -> ``norm1``, ``intermediate.dense`` ->
    ``ffn.fc1``, ``output.dense`` -> ``ffn.fc2``, ``output.LayerNorm`` ->
    ``norm2``;
  - ``encoder.rel_pos_bias`` / ``encoder.rel_pos_{x,y}_bias`` ->
    ``attn_bias.rel_pos_weight`` / ``attn_bias.rel_{x,y}_weight``.

  ``pos_embed`` is resized to the arch's grid (``pretrain_img_size / 16``,
  14x14 for every preset) when the checkpoint's grid differs.
- ``meta``: ``backbone``, the LayoutLMv3MM settings the weights fit (a
  checkpoint without text embedding or without an attention bias gives
  ``image_only=True`` or a bias switched off), ``source``, ``converter``
  and ``mmlayout_version``.

Before the file appears at ``DST`` (written atomically), it is loaded back
into a fresh ``LayoutLMv3MM(pretrained=<file>)`` of those settings, strictly,
and every tensor is compared.
"""
import argparse
import dataclasses
import os.path as osp
import sys
from typing import Dict, Optional, Tuple

import torch
from mmengine.config import DictAction
from torch import Tensor

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.backbones.layoutlmv3_mm import LAYOUTLMV3_ARCHS
from mmlayout.models.utils.layoutlmv3_checkpoint import (
    CheckpointMismatchError,
    load_layoutlmv3_weights,
)
from mmlayout.utils import atomic_write
from mmlayout.version import __version__

#: (LayoutLMv3MM option, its value without the part, key prefixes of the
#: part). A checkpoint may lack such a part as a whole: the output is then
#: for a backbone with the option at that value.
OPTIONAL_PARTS = (
    ('image_only', True, ('text_embed.', )),
    ('rel_pos_bias', False, ('attn_bias.rel_pos_weight', )),
    ('spatial_bias', False, ('attn_bias.rel_x_weight',
                             'attn_bias.rel_y_weight')),
)


def convert(src: str,
            arch: str = 'base',
            arch_cfg: Optional[Dict] = None) -> Tuple[Dict[str, Tensor], Dict]:
    """Convert a LayoutLMv3 checkpoint into LayoutLMv3MM tensors.

    The checkpoint is loaded by :func:`load_layoutlmv3_weights` into a
    LayoutLMv3MM with every part on (text embedding and both attention
    biases) which may go without the optional parts: the loading checks
    config.json against the arch, renames, fuses q/k/v, resizes
    ``pos_embed`` and raises on any missing, unexpected or misshapen
    tensor outside those parts.

    Args:
        src (str): Hugging Face directory, weights file or hub name.
        arch (str): LayoutLMv3MM preset.
        arch_cfg (dict, optional): Arch fields overriding the preset.

    Returns:
        tuple[dict, dict]: The state dict (LayoutLMv3MM keys) and the
        ``backbone`` settings it fits (``type``, ``arch``, ``arch_cfg``,
        ``image_only``, ``rel_pos_bias``, ``spatial_bias``).

    Raises:
        CheckpointMismatchError: When the checkpoint does not fit the arch,
            or holds only part of an optional part.
    """
    model = LayoutLMv3MM(arch=arch, arch_cfg=arch_cfg)
    optional = tuple(prefix for _, _, prefixes in OPTIONAL_PARTS
                     for prefix in prefixes)
    missing = set(
        load_layoutlmv3_weights(
            model,
            src,
            arch=dataclasses.asdict(model.arch),
            arch_name=arch,
            allow_missing=optional)['missing'])
    model_state = model.state_dict()
    backbone = dict(type='LayoutLMv3MM', arch=arch, arch_cfg=arch_cfg or {})
    for option, without, prefixes in OPTIONAL_PARTS:
        keys = [key for key in model_state if key.startswith(prefixes)]
        absent = [key for key in keys if key in missing]
        if absent and len(absent) < len(keys):
            raise CheckpointMismatchError(
                f'{src} holds only part of the tensors under '
                f'{", ".join(prefixes)}; missing: {", ".join(absent)}')
        backbone[option] = without if absent else not without
    state_dict = {
        key: value
        for key, value in model_state.items() if key not in missing
    }
    return state_dict, backbone


def check_loading(path: str, backbone: Dict,
                  state_dict: Dict[str, Tensor]) -> Tuple[int, int]:
    """Load a converted file into ``LayoutLMv3MM(pretrained=path)``.

    Loading is strict (a missing tensor raises); every loaded tensor is
    then compared with ``state_dict``.

    Returns:
        tuple[int, int]: Tensors loaded and equal, tensors of the model.
    """
    kwargs = {key: value for key, value in backbone.items() if key != 'type'}
    model = LayoutLMv3MM(**kwargs, pretrained=path)
    model.init_weights()
    model_state = model.state_dict()
    different = [
        key for key, value in state_dict.items()
        if key not in model_state or not torch.equal(model_state[key], value)
    ]
    if different:
        raise RuntimeError(f'{path} loads, but these tensors differ from '
                           f'the converted ones: {", ".join(different)}')
    return len(state_dict), len(model_state)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a Hugging Face LayoutLMv3 checkpoint into an '
        'mmlayout LayoutLMv3MM checkpoint',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'src',
        help='Hugging Face directory (config.json + model.safetensors or '
        'pytorch_model.bin), weights file or hub name')
    parser.add_argument('dst', help='output checkpoint (.pth)')
    parser.add_argument(
        '--arch',
        default='base',
        choices=sorted(LAYOUTLMV3_ARCHS),
        help='LayoutLMv3MM preset the checkpoint is for (default: base)')
    parser.add_argument(
        '--arch-cfg',
        nargs='+',
        action=DictAction,
        default={},
        help='arch fields overriding the preset, key=value (e.g. '
        'num_layers=6)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    state_dict, backbone = convert(args.src, args.arch, args.arch_cfg)
    meta = dict(
        backbone=backbone,
        source=args.src,
        converter=f'tools/model_converters/{osp.basename(__file__)}',
        mmlayout_version=__version__)
    with atomic_write(args.dst, 'wb') as f:
        torch.save(dict(state_dict=state_dict, meta=meta), f)
        f.flush()
        loaded, total = check_loading(f.name, backbone, state_dict)
    print(f'Wrote {args.dst}: {loaded} of {total} tensors loaded into '
          f'LayoutLMv3MM(arch={args.arch!r}), no missing keys.')
    lacking = [
        prefix for option, without, prefixes in OPTIONAL_PARTS
        for prefix in prefixes if backbone[option] == without
    ]
    settings = ', '.join(f'{key}={value!r}' for key, value in backbone.items()
                         if key != 'type')
    print(f'Backbone settings: {settings}, pretrained={args.dst!r}')
    if lacking:
        print(f'The checkpoint has no {", ".join(lacking)}: a backbone that '
              'uses them loads it only with allow_missing.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
