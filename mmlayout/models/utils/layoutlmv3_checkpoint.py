"""Loading LayoutLMv3 weights into :class:`LayoutLMv3MM`.

Accepted sources:

* a Hugging Face LayoutLMv3 directory (``config.json`` +
  ``model.safetensors`` or ``pytorch_model.bin``), base model (bare keys) or
  task model (keys prefixed ``layoutlmv3.``);
* a Hugging Face hub name such as ``microsoft/layoutlmv3-base`` (downloaded
  into the hub cache by ``huggingface_hub``);
* a single weights file: ``.safetensors``, a Hugging Face ``.bin``, or a
  checkpoint saved by mmlayout / MMEngine (``state_dict`` key, the backbone
  under ``backbone.``).

Hugging Face names are converted to LayoutLMv3MM's (query/key/value are
fused into ``qkv``); the checkpoint's ``pos_embed`` grid is resized to the
model's. Every shape is checked before loading, and loading is strict:
a checkpoint that does not fill the whole backbone raises, listing the
missing, unexpected and misshapen tensors, unless the parts that may stay
at their initialisation are named (``allow_missing``).

:func:`to_hf_state_dict` renames the other way, by the same rules.
"""
import json
import logging
import os.path as osp
import pickle
import re
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from ..layers.pos_embed import resize_pos_embed


WEIGHT_FILES = ('model.safetensors', 'pytorch_model.bin')
CONFIG_FILE = 'config.json'

#: config.json field -> LayoutLMv3MM arch field that must agree with it.
HF_CONFIG_TO_ARCH = {
    'hidden_size': 'embed_dims',
    'num_hidden_layers': 'num_layers',
    'num_attention_heads': 'num_heads',
    'intermediate_size': 'feedforward_channels',
    'patch_size': 'patch_size',
    'num_channels': 'in_channels',
    'vocab_size': 'vocab_size',
    'max_position_embeddings': 'max_text_positions',
    'type_vocab_size': 'type_vocab_size',
    'pad_token_id': 'pad_token_id',
    'max_2d_position_embeddings': 'max_2d_coord',
    'coordinate_size': 'coord_dims',
    'shape_size': 'shape_dims',
    'rel_pos_bins': 'rel_pos_buckets',
    'max_rel_pos': 'max_rel_pos',
    'rel_2d_pos_bins': 'rel_2d_pos_buckets',
    'max_rel_2d_pos': 'max_rel_2d_pos',
    'layer_norm_eps': 'layer_norm_eps',
}

_LAYER = r'encoder\.layer\.(\d+)\.'
#: (Hugging Face key pattern, LayoutLMv3MM key template).
_HF_TO_MM_KEYS = (
    (r'embeddings\.word_embeddings\.', r'text_embed.word_embed.'),
    (r'embeddings\.position_embeddings\.', r'text_embed.position_embed.'),
    (r'embeddings\.token_type_embeddings\.',
     r'text_embed.token_type_embed.'),
    (r'embeddings\.x_position_embeddings\.', r'text_embed.x_embed.'),
    (r'embeddings\.y_position_embeddings\.', r'text_embed.y_embed.'),
    (r'embeddings\.h_position_embeddings\.', r'text_embed.h_embed.'),
    (r'embeddings\.w_position_embeddings\.', r'text_embed.w_embed.'),
    (r'embeddings\.LayerNorm\.', r'text_embed.norm.'),
    (r'patch_embed\.proj\.', r'patch_embed.'),
    (r'norm\.', r'visual_norm.'),
    (r'LayerNorm\.', r'embed_norm.'),
    (_LAYER + r'attention\.output\.dense\.', r'layers.\1.attn.proj.'),
    (_LAYER + r'attention\.output\.LayerNorm\.', r'layers.\1.norm1.'),
    (_LAYER + r'intermediate\.dense\.', r'layers.\1.ffn.fc1.'),
    (_LAYER + r'output\.dense\.', r'layers.\1.ffn.fc2.'),
    (_LAYER + r'output\.LayerNorm\.', r'layers.\1.norm2.'),
    (r'encoder\.rel_pos_bias\.weight', r'attn_bias.rel_pos_weight'),
    (r'encoder\.rel_pos_x_bias\.weight', r'attn_bias.rel_x_weight'),
    (r'encoder\.rel_pos_y_bias\.weight', r'attn_bias.rel_y_weight'),
)
_HF_QKV = re.compile(_LAYER + r'attention\.self\.(query|key|value)\.(\w+)$')
_QKV_ORDER = ('query', 'key', 'value')
#: Tensors of the same name in both models.
_SAME_NAMES = ('cls_token', 'pos_embed')
_MM_QKV = re.compile(r'layers\.(\d+)\.attn\.qkv\.(\w+)$')


def _inverse_rule(pattern: str, template: str) -> Tuple[str, str]:
    r"""Turn a rule of ``_HF_TO_MM_KEYS`` around.

    The rules' patterns hold only escaped dots and the layer group
    ``(\d+)``; their templates only the back reference ``\1``.

    Returns:
        tuple[str, str]: (LayoutLMv3MM key pattern, Hugging Face key
        template).
    """
    mm_pattern = re.escape(template).replace(re.escape(r'\1'), r'(\d+)')
    hf_template = pattern.replace(r'(\d+)', r'\1').replace(r'\.', '.')
    return mm_pattern, hf_template


#: (LayoutLMv3MM key pattern, Hugging Face key template).
_MM_TO_HF_KEYS = tuple(
    _inverse_rule(pattern, template) for pattern, template in _HF_TO_MM_KEYS)
#: Buffers some Hugging Face checkpoints carry; derived, never loaded.
_HF_DERIVED_BUFFERS = ('embeddings.position_ids', 'visual_bbox')
#: Prefixes stripped from checkpoint keys: detector and task models.
_KNOWN_PREFIXES = ('backbone.', 'layoutlmv3.')


class CheckpointMismatchError(ValueError):
    """A checkpoint that does not fit the model: tensors missing,
    unexpected or of the wrong shape."""


def resolve_layoutlmv3_source(source: str) -> Tuple[str, Optional[str]]:
    """Find the weights file (and config.json) of a checkpoint source.

    Args:
        source (str): A directory, a weights file or a hub name.

    Returns:
        tuple[str, str | None]: Path of the weights file and of the
        ``config.json`` next to it (``None`` when there is none).
    """
    if osp.isdir(source):
        for name in WEIGHT_FILES:
            if osp.isfile(osp.join(source, name)):
                config = osp.join(source, CONFIG_FILE)
                return (osp.join(source, name),
                        config if osp.isfile(config) else None)
        raise FileNotFoundError(
            f'No LayoutLMv3 weights in directory {source!r}: expected one '
            f'of {", ".join(WEIGHT_FILES)}')
    if osp.isfile(source):
        # Only a Hugging Face weights file is described by a config.json.
        config = osp.join(osp.dirname(source), CONFIG_FILE)
        is_hf_file = osp.basename(source) in WEIGHT_FILES
        return source, config if is_hf_file and osp.isfile(config) else None
    return _download_from_hub(source)


def _download_from_hub(repo_id: str) -> Tuple[str, str]:
    """Fetch config.json and the weights of a hub repository."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
    )
    try:
        config = hf_hub_download(repo_id, CONFIG_FILE)
        for name in WEIGHT_FILES:
            try:
                return hf_hub_download(repo_id, name), config
            except LocalEntryNotFoundError:
                raise
            except EntryNotFoundError:
                continue
    except Exception as error:  # offline, unknown repository, bad name ...
        raise FileNotFoundError(
            f'LayoutLMv3 weights {repo_id!r} (the config key '
            '`model.backbone.pretrained`) are neither a local file or '
            'directory nor reachable on the Hugging Face hub. Put a copy of '
            'the checkpoint (a Hugging Face directory with config.json and '
            'model.safetensors or pytorch_model.bin) on this machine and set '
            '`model.backbone.pretrained` to its path, or to None to train '
            f'from scratch. ({type(error).__name__}: {error})') from error
    raise FileNotFoundError(
        f'Hub repository {repo_id!r} has none of {", ".join(WEIGHT_FILES)}')


def read_state_dict(path: str) -> Dict[str, Tensor]:
    """Read the tensors of a weights file or an mmengine checkpoint.

    Pickled files are read with ``weights_only=True``; importing mmlayout
    allow-lists exactly the non-tensor types MMEngine checkpoints hold
    (:mod:`mmlayout.utils.checkpoint`).

    Returns:
        dict[str, Tensor]: The state dict (``checkpoint['state_dict']`` for
        MMEngine checkpoints).
    """
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'{path} holds objects that are neither tensors nor what '
            f'MMEngine checkpoints store; refusing to unpickle them. '
            f'{error}') from error
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{path} does not hold a state dict but a '
                        f'{type(checkpoint).__name__}')
    return checkpoint


def check_hf_config(config_path: str, arch: Dict, arch_name: str) -> None:
    """Raise if a Hugging Face config.json disagrees with the model's arch.

    Args:
        config_path (str): Path of config.json.
        arch (dict): The model's arch fields (see ``LayoutLMv3Arch``).
        arch_name (str): Preset name, for the message.
    """
    with open(config_path, encoding='utf-8') as f:
        config = json.load(f)
    problems = [
        f'{hf_field}={config[hf_field]!r} but {field}={arch[field]!r}'
        for hf_field, field in HF_CONFIG_TO_ARCH.items()
        if hf_field in config and config[hf_field] != arch[field]
    ]
    if config.get('hidden_act', 'gelu') != 'gelu':
        problems.append(f'hidden_act={config["hidden_act"]!r} but '
                        f'LayoutLMv3MM uses "gelu"')
    if problems:
        raise ValueError(
            f'{config_path} does not match the LayoutLMv3MM architecture '
            f'(arch={arch_name!r}): ' + '; '.join(problems) +
            '. Choose the matching preset or override the fields with '
            '`arch_cfg`.')


def strip_known_prefixes(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List]:
    """Keep the backbone's tensors, without ``backbone.``/``layoutlmv3.``.

    When some keys carry a known prefix, only those are kept (a detector's
    neck and heads, or a task model's classifier, are dropped).

    Returns:
        tuple[dict, list[str]]: The stripped state dict and the dropped
        keys.
    """
    dropped = []
    for prefix in _KNOWN_PREFIXES:
        if any(key.startswith(prefix) for key in state_dict):
            kept = {
                key[len(prefix):]: value
                for key, value in state_dict.items() if key.startswith(prefix)
            }
            dropped += [k for k in state_dict if not k.startswith(prefix)]
            state_dict = kept
    return state_dict, dropped


def is_hf_state_dict(state_dict: Dict[str, Tensor]) -> bool:
    """Whether the (prefix-free) keys use Hugging Face LayoutLMv3 names."""
    return any(
        key.startswith(('encoder.', 'embeddings.', 'patch_embed.proj.'))
        for key in state_dict)


def convert_hf_state_dict(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict, Dict, List]:
    """Rename Hugging Face keys to LayoutLMv3MM keys.

    Query, key and value tensors are kept apart here (as a list of three in
    ``qkv`` order) so that their shapes can be checked one by one.

    Returns:
        tuple[dict, dict, list[str]]: Converted state dict (values are
        tensors, or lists of three ``(hf_key, tensor)`` for ``qkv``),
        LayoutLMv3MM key -> Hugging Face key(s), and unknown keys.
    """
    converted, sources, unknown = {}, {}, []
    for key, value in state_dict.items():
        if key in _HF_DERIVED_BUFFERS:
            continue
        qkv = _HF_QKV.match(key)
        if qkv:
            layer, part, param = qkv.groups()
            new_key = f'layers.{layer}.attn.qkv.{param}'
            parts = converted.setdefault(new_key, [None] * 3)
            parts[_QKV_ORDER.index(part)] = (key, value)
            sources.setdefault(new_key, []).append(key)
            continue
        for pattern, template in _HF_TO_MM_KEYS:
            match = re.match(pattern, key)
            if match:
                new_key = match.expand(template) + key[match.end():]
                converted[new_key] = value
                sources[new_key] = key
                break
        else:
            if key in _SAME_NAMES:
                converted[key], sources[key] = value, key
            else:
                unknown.append(key)
    return converted, sources, unknown


def to_hf_state_dict(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename LayoutLMv3MM keys to Hugging Face LayoutLMv3 keys.

    The inverse of :func:`convert_hf_state_dict`, by the same rules: for C
    channels, each ``layers.N.attn.qkv`` weight ``(3C, C)`` / bias
    ``(3C, )`` is split into ``encoder.layer.N.attention.self.{query,key,
    value}`` ``(C, C)`` / ``(C, )`` (copies, so that the result can be saved
    as it is), the other tensors are renamed.

    Args:
        state_dict (dict[str, Tensor]): LayoutLMv3MM keys, without a
            ``backbone.`` prefix.

    Returns:
        tuple[dict[str, Tensor], list[str]]: The state dict with the keys of
        ``transformers.LayoutLMv3Model`` (no ``layoutlmv3.`` prefix), and
        the keys no rule renames. A convolutional stem's ``patch_embed.*``
        is renamed as the linear projection's would be; Hugging Face
        LayoutLMv3 has no place for it.
    """
    converted, unknown = {}, []
    for key, value in state_dict.items():
        qkv = _MM_QKV.match(key)
        if qkv:
            layer, param = qkv.groups()
            for part, tensor in zip(_QKV_ORDER, value.chunk(3)):
                converted[f'encoder.layer.{layer}.attention.self.{part}.'
                          f'{param}'] = tensor.clone()
            continue
        if key in _SAME_NAMES:
            converted[key] = value
            continue
        for pattern, template in _MM_TO_HF_KEYS:
            match = re.match(pattern, key)
            if match:
                converted[match.expand(template) + key[match.end():]] = value
                break
        else:
            unknown.append(key)
    return converted, unknown


def fit_shapes(state_dict: Dict, sources: Dict,
               model_state: Dict[str, Tensor]
               ) -> Tuple[Dict, List[str], List[str]]:
    """Check shapes against the model, fuse qkv, resize ``pos_embed``.

    Returns:
        tuple[dict, list[str], list[str]]: Tensors ready for
        ``load_state_dict``, the checkpoint names of keys the model does not
        have, and one message per tensor that does not fit (its checkpoint
        key, its shape and the expected shape).
    """
    fitted, unexpected, errors = {}, [], []
    for key, value in state_dict.items():
        source = sources.get(key, key)
        if key not in model_state:
            unexpected += source if isinstance(source, list) else [source]
            continue
        expected = tuple(model_state[key].shape)
        if isinstance(value, list):  # query, key, value of one layer
            if None in value:
                errors.append(f'{key}: checkpoint has only {source}')
                continue
            part_shape = (expected[0] // 3, ) + expected[1:]
            bad = [f'{name} {tuple(tensor.shape)}' for name, tensor in value
                   if tuple(tensor.shape) != part_shape]
            if bad:
                errors.append(f'{", ".join(bad)} -> {key}: expected '
                              f'{part_shape} each')
                continue
            fitted[key] = torch.cat([tensor for _, tensor in value])
            continue
        shape = tuple(value.shape)
        if key == 'pos_embed' and shape != expected and (
                len(shape) == 3 and shape[2] == expected[2]):
            side = int(round((expected[1] - 1)**0.5))
            try:
                value = resize_pos_embed(value, (side, side))
            except ValueError as error:  # not a square grid
                raise CheckpointMismatchError(str(error)) from None
            shape = tuple(value.shape)
        if shape != expected:
            name = key if source == key else f'{source} -> {key}'
            errors.append(f'{name}: checkpoint shape {shape}, model shape '
                          f'{expected}')
            continue
        fitted[key] = value
    return fitted, unexpected, errors


def load_layoutlmv3_weights(model: nn.Module,
                            source: str,
                            arch: Optional[Dict] = None,
                            arch_name: str = '',
                            disabled_prefixes: Tuple[str, ...] = (),
                            allow_missing: Tuple[str, ...] = ()
                            ) -> Dict[str, List[str]]:
    """Load LayoutLMv3 weights into a LayoutLMv3MM, strictly.

    Args:
        model (nn.Module): The ``LayoutLMv3MM``.
        source (str): Hugging Face directory, weights file, mmlayout
            checkpoint or hub name.
        arch (dict, optional): The model's arch fields; when given and a
            ``config.json`` accompanies the weights, they are checked
            against it.
        arch_name (str): Preset name, for messages.
        disabled_prefixes (tuple[str]): LayoutLMv3MM key prefixes of parts
            the model's configuration switched off (e.g. ``text_embed.``
            with ``image_only=True``); their checkpoint tensors are skipped
            without a warning.
        allow_missing (tuple[str]): LayoutLMv3MM key prefixes of parts that
            may be absent from the checkpoint and stay at their
            initialisation (e.g. ``text_embed.`` for a vision-only
            checkpoint); they are logged as a warning.

    Returns:
        dict[str, list[str]]: ``missing`` (model keys the checkpoint lacks,
        all under ``allow_missing``) and ``skipped`` (keys outside the
        backbone or of disabled parts).

    Raises:
        CheckpointMismatchError: When the checkpoint lacks model tensors not
            under ``allow_missing``, holds tensors the model has no place
            for, or holds tensors of the wrong shape; the message lists all
            of them.
    """
    weights_path, config_path = resolve_layoutlmv3_source(source)
    if config_path is not None and arch is not None:
        check_hf_config(config_path, arch, arch_name)
    state_dict, skipped = strip_known_prefixes(read_state_dict(weights_path))
    if is_hf_state_dict(state_dict):
        state_dict, sources, unexpected = convert_hf_state_dict(state_dict)
    else:
        sources, unexpected = {}, []
    skipped += [
        sources.get(key, key) for key in state_dict
        if key.startswith(disabled_prefixes)
    ]
    state_dict = {
        key: value
        for key, value in state_dict.items()
        if not key.startswith(disabled_prefixes)
    }
    model_state = model.state_dict()
    # misshapen tensors are reported as such, not as missing
    missing = [key for key in model_state if key not in state_dict]
    state_dict, not_in_model, shape_errors = fit_shapes(
        state_dict, sources, model_state)
    unexpected += not_in_model
    not_allowed = [key for key in missing if not key.startswith(allow_missing)]
    if not_allowed or unexpected or shape_errors:
        problems = []
        if not_allowed:
            problems.append(
                f'{len(not_allowed)} model tensors missing from the '
                f'checkpoint: {", ".join(not_allowed)}')
        if unexpected:
            problems.append(
                f'{len(unexpected)} checkpoint tensors the model has no '
                f'place for: {", ".join(map(str, unexpected))}')
        if shape_errors:
            problems.append(f'{len(shape_errors)} tensors of the wrong '
                            'shape:\n    ' + '\n    '.join(shape_errors))
        raise CheckpointMismatchError(
            f'{weights_path} does not fit LayoutLMv3MM '
            f'(arch={arch_name or "custom"!r}); {len(state_dict)} of '
            f'{len(model_state)} tensors matched:\n  ' +
            '\n  '.join(problems) + '\nIs it the checkpoint of another '
            'model? To leave parts at their initialisation on purpose (e.g. '
            "the text embedding with a vision-only checkpoint), list their "
            "prefixes in the backbone's allow_missing, e.g. "
            "allow_missing=('text_embed.', ).")
    model.load_state_dict(state_dict, strict=False)
    print_log(
        f'Loaded {len(state_dict)} LayoutLMv3 tensors from {weights_path}' +
        (f'; skipped {len(skipped)} keys outside the backbone or of parts '
         'switched off' if skipped else ''),
        logger='current')
    if missing:
        print_log(
            'Model weights not in the checkpoint, left at their '
            f'initialisation as allow_missing permits: {", ".join(missing)}',
            logger='current',
            level=logging.WARNING)
    return dict(missing=missing, skipped=[str(key) for key in skipped])
