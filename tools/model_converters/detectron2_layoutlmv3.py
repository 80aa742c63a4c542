"""Convert unilm's detectron2 LayoutLMv3 detector into mmlayout weights.

Example::

    python tools/model_converters/detectron2_layoutlmv3.py \
        checkpoints/layoutlmv3-publaynet/model_final.pth \
        checkpoints/layoutmm_cascade_publaynet_d2.pth \
        --config configs/layoutmm_cascade_publaynet_image-only.py

The source is the checkpoint of unilm's LayoutLMv3 object detection
(``layoutlmv3/examples/object_detection``, ``cascade_layoutlmv3.yaml``: a
detectron2 Cascade Mask R-CNN on an image-only LayoutLMv3 with both
attention biases switched off): a ``torch.save`` file with the state dict
under ``model``, read with ``weights_only=True``; detectron2's pickled
numpy format (``.pkl``) is read with an unpickler that builds nothing but
containers, numbers, strings and numpy arrays. A ``config.json`` beside the
checkpoint (where unilm reads the LayoutLMv3 config from) is checked against
the backbone arch of the target config.

Key layout, detectron2 -> mmlayout (C: LayoutLMv3 channels, 768 for base;
F: FPN channels, 256; A = 3 anchors per location; K classes; S: cascade
stage):

- ``backbone.bottom_up.backbone.*``, unilm's LayoutLMv3Model in Hugging
  Face naming without the ``layoutlmv3.`` prefix (``patch_embed.proj``,
  ``cls_token``, ``pos_embed`` (1, 1 + 14 * 14, C), ``norm``,
  ``LayerNorm``, ``encoder.layer.N.*``; ``embeddings.*`` and
  ``encoder.rel_pos_*`` only for a detector with text or attention biases)
  -> ``backbone.*``, renamed as ``LayoutLMv3MM(pretrained=...)`` renames
  Hugging Face checkpoints (query, key and value stacked into ``qkv``);
- ``backbone.bottom_up.backbone.encoder.fpn1.{0,1,3}.*`` (ConvTranspose2d
  (C, C, 2, 2), BatchNorm2d (C), ConvTranspose2d) ->
  ``neck.scale_ops.0.{0,1,3}.*``; ``encoder.fpn2.0.*`` ->
  ``neck.scale_ops.1.*``; ``fpn3`` (identity) and ``fpn4`` (max-pool 2x2/2)
  hold no tensors, nor do scale ops 2 and 3;
- ``backbone.fpn_lateral{2,3,4,5}`` (F, C, 1, 1) ->
  ``neck.fpn.lateral_convs.{0,1,2,3}.conv``; ``backbone.fpn_output{2..5}``
  (F, F, 3, 3) -> ``neck.fpn.fpn_convs.{0..3}.conv``; the top-down sums
  (nearest 2x upsampling) and P6 (max-pool 1x1/2 of P5) hold no tensors on
  either side;
- ``proposal_generator.rpn_head.conv`` (F, F, 3, 3) -> ``rpn_head.rpn_conv``;
  ``objectness_logits`` (A, F, 1, 1) -> ``rpn_head.rpn_cls`` (one sigmoid
  logit per anchor on both sides); ``anchor_deltas`` (4A, F, 1, 1) ->
  ``rpn_head.rpn_reg``;
- ``roi_heads.box_head.S.fc{1,2}`` (1024, F * 7 * 7), (1024, 1024) ->
  ``roi_head.bbox_head.S.shared_fcs.{0,1}`` (``convN`` ->
  ``shared_convs.{N-1}.conv``); ``roi_heads.box_predictor.S.cls_score``
  (K + 1, 1024) -> ``fc_cls``; ``bbox_pred`` (4, 1024) with class-agnostic
  regression, as in the configs (``reg_class_agnostic=True``) -> ``fc_reg``;
- ``roi_heads.mask_head.mask_fcn{1..4}`` (F, F, 3, 3) ->
  ``roi_head.mask_head.S.convs.{0..3}.conv``; ``deconv`` (F, F, 2, 2) ->
  ``upsample``; ``predictor`` (K, F, 1, 1) -> ``conv_logits``, into every
  stage S: detectron2's cascade has one mask head, run on the last stage's
  boxes; mmdet runs each stage's head on those boxes and averages the
  masks, which equal heads leave as detectron2's.

Box and mask keys without a stage (detectron2's StandardROIHeads) go to a
single-stage ``roi_head`` (``StandardRoIHead``).

Why equal tensors mean the same on both sides:

- anchors: detectron2's ``DefaultAnchorGenerator`` of the published config
  (sizes 32..512 on P2..P6, aspect ratios h/w 0.5, 1, 2, offset 0) and
  mmdet's ``AnchorGenerator`` of the configs (scale 8 x strides 4..64,
  ratios h/w 0.5, 1, 2, center offset 0) make the same 3 anchors per
  location in the same order, and both lay the RPN channels out anchor by
  anchor (``a`` for the logits, ``4a + (dx, dy, dw, dh)`` for the deltas).
  Anchors stored in the checkpoint (``cell_anchors``) are compared with the
  config's;
- classes: the background is the last of the K + 1 scores on both sides;
  class i is the config's i-th class (PubLayNet: text, title, list, table,
  figure, the order of the COCO category ids);
- box deltas: detectron2's cascade weights (10, 10, 5, 5), (20, 20, 10, 10),
  (30, 30, 15, 15) are 1 / ``target_stds`` of the configs (whose 0.033 and
  0.067 round 1/30 and 1/15), the RPN uses 1s on both sides;
- input: pixel mean = std = 127.5 on RGB images on both sides (a stored
  ``pixel_mean``/``pixel_std`` is compared with the config's).

The output is ``{'state_dict': ..., 'meta': ...}`` with mmlayout's key names,
for ``load_from`` (or ``tools/test.py``) with the config; before it appears
(atomically) it is loaded back into the model of ``--config``. The report
``<output stem>.json`` lists every checkpoint key as mapped (to which model
keys) or unmapped (why), and every model key left at its initialisation.
"""
import argparse
import dataclasses
import json
import os.path as osp
import pickle
import re
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config, DictAction
from torch import Tensor

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.models.utils.layoutlmv3_checkpoint import (
    CONFIG_FILE,
    CheckpointMismatchError,
    fit_shapes,
    check_hf_config,
    convert_hf_state_dict,
    is_hf_state_dict,
)
from mmlayout.utils import atomic_write
from mmlayout.version import __version__

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(ROOT, 'configs',
                          'layoutmm_cascade_publaynet_image-only.py')
#: Where unilm's LayoutLMv3Model sits in the detectron2 model.
D2_BACKBONE = 'backbone.bottom_up.backbone.'
#: detectron2 key pattern -> mmlayout key template. In the template,
#: ``{i}`` is a 1-based index of the key made 0-based, ``{p}`` a pyramid
#: level 2..5 made 0..3, and ``{S}`` the cascade stage ``N.`` of the key
#: (empty without one), or for the mask head, which detectron2 has once,
#: every stage of the model.
_RULES = (
    (re.escape(D2_BACKBONE) + r'encoder\.fpn1\.(?P<rest>.+)',
     'neck.scale_ops.0.{rest}'),
    (re.escape(D2_BACKBONE) + r'encoder\.fpn2\.0\.(?P<rest>.+)',
     'neck.scale_ops.1.{rest}'),
    (r'backbone\.fpn_lateral(?P<p>[2-5])\.(?P<rest>weight|bias)',
     'neck.fpn.lateral_convs.{p}.conv.{rest}'),
    (r'backbone\.fpn_output(?P<p>[2-5])\.(?P<rest>weight|bias)',
     'neck.fpn.fpn_convs.{p}.conv.{rest}'),
    (r'proposal_generator\.rpn_head\.conv\.(?P<rest>weight|bias)',
     'rpn_head.rpn_conv.{rest}'),
    (r'proposal_generator\.rpn_head\.objectness_logits\.'
     r'(?P<rest>weight|bias)', 'rpn_head.rpn_cls.{rest}'),
    (r'proposal_generator\.rpn_head\.anchor_deltas\.(?P<rest>weight|bias)',
     'rpn_head.rpn_reg.{rest}'),
    (r'roi_heads\.box_head\.(?P<S>\d+\.)?fc(?P<i>[1-9]\d*)\.'
     r'(?P<rest>weight|bias)', 'roi_head.bbox_head.{S}shared_fcs.{i}.{rest}'),
    (r'roi_heads\.box_head\.(?P<S>\d+\.)?conv(?P<i>[1-9]\d*)\.'
     r'(?P<rest>weight|bias)',
     'roi_head.bbox_head.{S}shared_convs.{i}.conv.{rest}'),
    (r'roi_heads\.box_predictor\.(?P<S>\d+\.)?cls_score\.'
     r'(?P<rest>weight|bias)', 'roi_head.bbox_head.{S}fc_cls.{rest}'),
    (r'roi_heads\.box_predictor\.(?P<S>\d+\.)?bbox_pred\.'
     r'(?P<rest>weight|bias)', 'roi_head.bbox_head.{S}fc_reg.{rest}'),
    (r'roi_heads\.mask_head\.mask_fcn(?P<i>[1-9]\d*)\.'
     r'(?P<rest>weight|bias)', 'roi_head.mask_head.{S}convs.{i}.conv.{rest}'),
    (r'roi_heads\.mask_head\.deconv\.(?P<rest>weight|bias)',
     'roi_head.mask_head.{S}upsample.{rest}'),
    (r'roi_heads\.mask_head\.predictor\.(?P<rest>weight|bias)',
     'roi_head.mask_head.{S}conv_logits.{rest}'),
)
_ANCHORS = re.compile(
    r'proposal_generator\.anchor_generator\.cell_anchors\.(\d+)$')
_PIXEL_STATS = {'pixel_mean': 'mean', 'pixel_std': 'std'}
#: The BatchNorm2d of detectron2's fpn1 and its mmlayout place.
_SCALE_NORM = 'neck.scale_ops.0.1'
#: Model key prefix -> why no checkpoint tensor fills it (the default:
#: ``_NOT_IN_CHECKPOINT``).
_INIT_REASONS = (
    ('backbone.text_embed.', 'text embedding: the checkpoint has none (an '
     'image-only detector, IMAGE_ONLY=True)'),
    ('backbone.attn_bias.', 'attention bias: the checkpoint has none (the '
     'detector ran with the bias switched off)'),
    ('fusion.', "mmlayout's text-box fusion, which detectron2 has not (its "
     'gate starts at zero: the fusion starts as the identity)'),
)
_NOT_IN_CHECKPOINT = 'no checkpoint tensor maps here'


@dataclasses.dataclass
class Conversion:
    """A detectron2 state dict converted for an mmlayout model.

    Attributes:
        state_dict (dict[str, Tensor]): Model key -> tensor, in the model's
            dtypes.
        mapped (dict[str, list[str]]): Checkpoint key -> the model keys it
            fills (several for the mask head of a cascade; one ``qkv`` is
            filled by three checkpoint keys).
        unmapped (dict[str, str]): Checkpoint key -> why it fills nothing.
        left_at_init (dict[str, str]): Model key -> why nothing fills it.
        notes (list[str]): Other facts about the conversion.
    """
    state_dict: Dict[str, Tensor] = dataclasses.field(default_factory=dict)
    mapped: Dict[str, List[str]] = dataclasses.field(default_factory=dict)
    unmapped: Dict[str, str] = dataclasses.field(default_factory=dict)
    left_at_init: Dict[str, str] = dataclasses.field(default_factory=dict)
    notes: List[str] = dataclasses.field(default_factory=list)


class _ArrayUnpickler(pickle.Unpickler):
    """Builds containers, numbers, strings and numpy arrays, nothing else."""
    ALLOWED = {
        ('collections', 'OrderedDict'), ('numpy', 'ndarray'),
        ('numpy', 'dtype')
    } | {(module, name)
         for module in ('numpy.core.multiarray', 'numpy._core.multiarray')
         for name in ('_reconstruct', 'scalar')}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                f'{module}.{name} is neither a container nor a numpy array '
                'part; refusing to unpickle it')
        return super().find_class(module, name)


def read_checkpoint(path: str) -> Dict[str, Tensor]:
    """Read the state dict of a detectron2 checkpoint.

    Args:
        path (str): A ``torch.save`` file (``.pth``), read with
            ``weights_only=True``, or a pickle of numpy arrays (``.pkl``),
            both holding the state dict under ``model``.

    Returns:
        dict[str, Tensor]: detectron2 key -> tensor.
    """
    try:
        if path.endswith('.pkl'):
            with open(path, 'rb') as f:
                checkpoint = _ArrayUnpickler(f, encoding='latin1').load()
        else:
            checkpoint = torch.load(
                path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'{path} holds objects other than tensors and arrays; they are '
            'not unpickled, as unpickling can run code. If you trust the '
            "file, keep only its weights: python -c \"import torch; c = "
            f"torch.load('{path}', weights_only=False); torch.save("
            "{'model': c['model']}, 'weights.pth')\" and convert weights.pth."
            f' ({error})') from error
    if not isinstance(checkpoint, dict) or not isinstance(
            checkpoint.get('model'), dict):
        raise TypeError(f'{path} is not a detectron2 checkpoint: expected a '
                        'dict with the state dict under "model"')
    state_dict = {}
    for key, value in checkpoint['model'].items():
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        if not isinstance(value, Tensor):
            raise TypeError(f'{path}: model[{key!r}] is a '
                            f'{type(value).__name__}, not a tensor')
        state_dict[key] = value
    return state_dict


def target_keys(key: str, model_keys) -> Optional[List[str]]:
    """The mmlayout keys a detectron2 key maps to by ``_RULES``.

    Args:
        key (str): detectron2 key outside the LayoutLMv3 backbone (or of
            its fpn ops).
        model_keys (Collection[str]): The model's keys; a mask head key
            maps to every cascade stage among them.

    Returns:
        list[str] | None: The mmlayout keys, None when no rule matches.
    """
    for pattern, template in _RULES:
        match = re.fullmatch(pattern, key)
        if match is None:
            continue
        fields = match.groupdict()
        if fields.get('p') is not None:
            fields['p'] = int(fields['p']) - 2
        if fields.get('i') is not None:
            fields['i'] = int(fields['i']) - 1
        if '{S}' in template and 'S' not in fields:
            stages = _mask_stages(model_keys)
        else:
            stages = [fields.get('S') or '']
        return [template.format(**{**fields, 'S': stage}) for stage in stages]
    return None


def _mask_stages(model_keys) -> List[str]:
    """``['0.', '1.', ...]`` for the mask heads of a cascade, else
    ``['']``."""
    pattern = re.compile(r'roi_head\.mask_head\.(\d+)\.')
    stages = sorted(
        {int(match[1])
         for match in map(pattern.match, model_keys) if match})
    return [f'{stage}.' for stage in stages] or ['']


class _Converter:
    """Converts one state dict for one model; see :func:`convert`."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.model_state = model.state_dict()
        self.scale_norm = dict(model.named_modules()).get(_SCALE_NORM)
        self.conversion = Conversion()
        self.errors: List[str] = []

    def anchors_reason(self, level: int, anchors: Tensor) -> str:
        """Why stored anchors are left out, and whether they equal the
        config's."""
        generator = getattr(self.model.rpn_head, 'prior_generator', None)
        reason = f"anchors of level {level}, made from the config's anchor "
        if generator is None or level >= len(generator.base_anchors):
            return reason + 'generator: the model has none to compare'
        expected = generator.base_anchors[level]
        if expected.shape == anchors.shape and torch.allclose(
                expected, anchors.float(), atol=1e-3):
            return reason + "generator: equal to the config's"
        return reason + (
            f"generator: WARNING, the config's are {expected.tolist()}, the "
            f"checkpoint's {anchors.tolist()}: give the config the anchors "
            'the RPN was trained for')

    def pixel_stat_reason(self, name: str, value: Tensor) -> str:
        """Why a stored input normalisation is left out, and whether it
        equals the config's."""
        field = _PIXEL_STATS[name]
        expected = getattr(self.model.data_preprocessor, field, None)
        reason = "input normalisation, set by the config's data_preprocessor"
        if expected is None:
            return reason + ': the model has none to compare'
        expected, value = expected.flatten(), value.flatten().float()
        if expected.shape == value.shape and torch.allclose(expected, value):
            return reason + ": equal to the config's"
        return reason + (f": WARNING, the config's {field} is "
                         f"{expected.tolist()}, the checkpoint's "
                         f'{value.tolist()}')

    def map_key(self, key: str, value: Tensor) -> bool:
        """Map a key by ``_RULES``, or check stored anchors and input
        normalisation.

        Returns:
            bool: Whether the key was handled (mapped, or left out with a
            reason); False leaves it to :meth:`convert_backbone`.
        """
        conversion = self.conversion
        anchors = _ANCHORS.match(key)
        if anchors:
            conversion.unmapped[key] = self.anchors_reason(
                int(anchors[1]), value)
            return True
        if key in _PIXEL_STATS:
            conversion.unmapped[key] = self.pixel_stat_reason(key, value)
            return True
        targets = target_keys(key, self.model_state)
        if targets is None:
            return False
        absent = [key for key in targets if key not in self.model_state]
        if absent:
            conversion.unmapped[key] = (f'would fill {", ".join(absent)}, '
                                        'which the model does not have')
        elif targets[0].startswith(_SCALE_NORM + '.') and not isinstance(
                self.scale_norm, nn.modules.batchnorm._BatchNorm):
            conversion.unmapped[key] = (
                "BatchNorm of detectron2's fpn1, but the model's norm there "
                f'is a {type(self.scale_norm).__name__}')
        else:
            for target in targets:
                expected = tuple(self.model_state[target].shape)
                if tuple(value.shape) != expected:
                    self.errors.append(f'{key} {tuple(value.shape)} -> '
                                       f'{target}: model shape {expected}')
                conversion.state_dict[target] = value
            conversion.mapped[key] = targets
        return True

    def convert_backbone(self, state_dict: Dict[str, Tensor]) -> None:
        """Convert the LayoutLMv3 tensors under ``D2_BACKBONE`` (fpn ops
        excluded) into the model's ``backbone.*``."""
        conversion = self.conversion
        hf_state = {
            key[len(D2_BACKBONE):]: value
            for key, value in state_dict.items() if key.startswith(D2_BACKBONE)
        }
        if not hf_state:
            return
        if not is_hf_state_dict(hf_state):
            raise CheckpointMismatchError(
                f'The tensors under {D2_BACKBONE} are not a LayoutLMv3 in '
                f'Hugging Face naming (e.g. {next(iter(hf_state))}): a '
                'detector with another backbone (DiT, BEiT ...)?')
        converted, sources, unknown = convert_hf_state_dict(hf_state)
        conversion.unmapped.update({
            D2_BACKBONE + key:
            'not a LayoutLMv3 tensor name'
            for key in unknown
        })
        present = {}
        for key, value in converted.items():
            if 'backbone.' + key in self.model_state:
                present[key] = value
                continue
            for name in _as_list(sources[key]):
                conversion.unmapped[D2_BACKBONE + name] = (
                    f'would fill backbone.{key}, which the model does not '
                    'have')
        backbone_state = {
            key[len('backbone.'):]: value
            for key, value in self.model_state.items()
            if key.startswith('backbone.')
        }
        fitted, _, shape_errors = fit_shapes(present, sources, backbone_state)
        if shape_errors:
            self.errors.append(
                f'LayoutLMv3 tensors (names under {D2_BACKBONE} -> under '
                'backbone.):\n    ' + '\n    '.join(shape_errors))
        for key, value in fitted.items():
            conversion.state_dict['backbone.' + key] = value
            for name in _as_list(sources[key]):
                conversion.mapped[D2_BACKBONE + name] = ['backbone.' + key]
        if 'pos_embed' in fitted and (fitted['pos_embed'].shape
                                      != hf_state['pos_embed'].shape):
            conversion.notes.append(f'pos_embed resized from '
                                    f'{tuple(hf_state["pos_embed"].shape)} to '
                                    f'{tuple(fitted["pos_embed"].shape)}')
        kept = {name for names in sources.values() for name in _as_list(names)}
        for key in hf_state:  # the buffers convert_hf_state_dict drops
            if key not in kept and key not in unknown:
                conversion.unmapped[D2_BACKBONE + key] = (
                    'buffer derived from the config; LayoutLMv3MM computes '
                    'it')


def _as_list(names) -> List[str]:
    """The checkpoint name(s) of a converted key as a list."""
    return names if isinstance(names, list) else [names]


def convert(state_dict: Dict[str, Tensor],
            model: nn.Module,
            source: str = 'the checkpoint') -> Conversion:
    """Convert a detectron2 LayoutLMv3 detector state dict for a model.

    Args:
        state_dict (dict[str, Tensor]): detectron2 key -> tensor.
        model (nn.Module): The mmlayout detector (e.g. LayoutCascadeRCNN)
            built from the target config.
        source (str): Name of the checkpoint, for messages.

    Returns:
        Conversion: Every checkpoint key is either in ``mapped`` or in
        ``unmapped``, every model key either in ``state_dict`` or in
        ``left_at_init``.

    Raises:
        CheckpointMismatchError: When mapped tensors have other shapes than
            the model's (all of them are listed), or the backbone is not a
            LayoutLMv3.
    """
    converter = _Converter(model)
    conversion = converter.conversion
    rest = {
        key: value
        for key, value in state_dict.items()
        if not converter.map_key(key, value)
    }
    converter.convert_backbone(rest)
    for key in rest:
        if key not in conversion.mapped and key not in conversion.unmapped:
            conversion.unmapped[key] = (
                'no counterpart in mmlayout: no rule of this converter maps '
                'it')
    if converter.errors:
        raise CheckpointMismatchError(
            f'{source} does not fit the model; tensors of the wrong shape:\n'
            '  ' + '\n  '.join(converter.errors) + '\nAre the classes, the '
            'LayoutLMv3 arch and the FPN channels of the config those of the '
            'checkpoint?')
    model_state = converter.model_state
    conversion.state_dict = {
        key: value.to(model_state[key].dtype)
        for key, value in conversion.state_dict.items()
    }
    for key in model_state:
        if key not in conversion.state_dict:
            conversion.left_at_init[key] = next(
                (reason for prefix, reason in _INIT_REASONS
                 if key.startswith(prefix)), _NOT_IN_CHECKPOINT)
    return conversion


def check_loading(model: nn.Module, path: str, conversion: Conversion) -> int:
    """Load a written conversion into the model and compare every tensor.

    Returns:
        int: Tensors loaded.

    Raises:
        RuntimeError: When the file holds keys the model lacks, does not
            fill exactly the keys of ``conversion.state_dict``, or loads
            other values.
    """
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    result = model.load_state_dict(checkpoint['state_dict'], strict=False)
    if result.unexpected_keys or set(result.missing_keys) != set(
            conversion.left_at_init):
        raise RuntimeError(
            f'{path} does not load as converted: unexpected '
            f'{result.unexpected_keys}, missing {result.missing_keys}')
    model_state = model.state_dict()
    different = [
        key for key, value in conversion.state_dict.items()
        if not torch.equal(model_state[key], value)
    ]
    if different:
        raise RuntimeError(f'{path}: these tensors load with other values: '
                           f'{", ".join(different)}')
    return len(conversion.state_dict)


def build_model(config: str, cfg_options: Optional[Dict] = None) -> nn.Module:
    """Build the detector of a config (weights at their initialisation,
    nothing downloaded)."""
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return MODELS.build(cfg.model)


def _grouped(reasons: Dict[str, str]) -> List[Tuple[str, List[str]]]:
    """Keys grouped by reason, in first-seen order."""
    groups: Dict[str, List[str]] = {}
    for key, reason in reasons.items():
        groups.setdefault(reason, []).append(key)
    return list((reason, keys) for reason, keys in groups.items())


def summary(conversion: Conversion, total: int) -> None:
    """Print what was mapped and what was not, grouped by reason."""
    print(f'{len(conversion.mapped)} checkpoint tensors mapped onto '
          f'{len(conversion.state_dict)} of {total} model tensors.')
    print(f'{len(conversion.unmapped)} checkpoint tensors unmapped:')
    for reason, keys in _grouped(conversion.unmapped):
        print(f'  {", ".join(keys)}: {reason}')
    print(f'{len(conversion.left_at_init)} model tensors left at their '
          'initialisation:')
    for reason, keys in _grouped(conversion.left_at_init):
        shown = ', '.join(keys[:4]) + (', ...' if len(keys) > 4 else '')
        print(f'  {len(keys)} ({shown}): {reason}')
    for note in conversion.notes:
        print(f'Note: {note}')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Convert unilm's detectron2 LayoutLMv3 detector into "
        'mmlayout weights',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'src', help='detectron2 checkpoint (.pth, or .pkl of numpy arrays)')
    parser.add_argument(
        'dst',
        help='output checkpoint (.pth); the report goes to the same path '
        'with .json')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='mmlayout config of the target model (default: '
        'configs/layoutmm_cascade_publaynet_image-only.py)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    state_dict = read_checkpoint(args.src)
    model = build_model(args.config, args.cfg_options)
    hf_config = osp.join(osp.dirname(osp.abspath(args.src)), CONFIG_FILE)
    checks_arch = osp.isfile(hf_config) and isinstance(model.backbone,
                                                       LayoutLMv3MM)
    if checks_arch:
        check_hf_config(hf_config, dataclasses.asdict(model.backbone.arch),
                        model.backbone.arch_name)
    conversion = convert(state_dict, model, args.src)
    if checks_arch:
        conversion.notes.append(f'{hf_config} (the LayoutLMv3 config unilm '
                                'reads beside the checkpoint) agrees with '
                                "the config's backbone arch")
    meta = dict(
        source=args.src,
        config=args.config,
        cfg_options=dict(args.cfg_options or {}),
        converter=f'tools/model_converters/{osp.basename(__file__)}',
        mmlayout_version=__version__)
    with atomic_write(args.dst, 'wb') as f:
        torch.save(dict(state_dict=conversion.state_dict, meta=meta), f)
        f.flush()
        loaded = check_loading(model, f.name, conversion)
    report_path = osp.splitext(args.dst)[0] + '.json'
    report = dict(
        meta,
        output=args.dst,
        counts=dict(
            checkpoint_tensors=len(state_dict),
            mapped=len(conversion.mapped),
            unmapped=len(conversion.unmapped),
            model_tensors=len(model.state_dict()),
            loaded=loaded,
            left_at_init=len(conversion.left_at_init)),
        mapped=conversion.mapped,
        unmapped=conversion.unmapped,
        left_at_init=conversion.left_at_init,
        notes=conversion.notes)
    with atomic_write(report_path, 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=1)
    summary(conversion, len(model.state_dict()))
    print(f'Wrote {args.dst} ({loaded} tensors, loaded into the model of '
          f'{args.config} as a check) and {report_path}.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
