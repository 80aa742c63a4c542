"""Layer-wise learning-rate decay for detectors with a LayoutLMv3 backbone."""
import numbers
from typing import List, Optional, Tuple

import torch.nn as nn
from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor

from ...models.backbones import LayoutLMv3MM

#: Backbone parameters (names relative to the backbone) of layer id 0: the
#: text and image embeddings and the attention-bias weights.
EMBEDDING_PREFIXES = ('text_embed.', 'patch_embed.', 'cls_token', 'pos_embed',
                      'visual_norm.', 'embed_norm.', 'attn_bias.')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayoutLMv3LayerDecayOptimizerConstructor(DefaultOptimWrapperConstructor):
    """Layer-wise learning-rate decay for a LayoutLMv3MM backbone.

    Every parameter gets a layer id: 0 for the backbone's embeddings and
    attention-bias weights (``text_embed``, ``patch_embed``, ``cls_token``,
    ``pos_embed``, ``visual_norm``, ``embed_norm``, ``attn_bias``), ``i + 1``
    for block ``i`` (``layers.<i>``), and ``num_layers + 1`` for everything
    else (other backbone parameters, neck, heads, ...), where ``num_layers``
    is the backbone's number of blocks. Layer id ``k`` has its learning rate
    multiplied by ``layer_decay_rate ** (num_layers + 1 - k)``, on top of the
    rules of :class:`DefaultOptimWrapperConstructor` (``custom_keys``
    ``lr_mult``, ``bias_lr_mult``, ...); weight decay follows those rules
    alone. With ``layer_decay_rate=1`` the parameter groups are those of the
    default constructor.

    The model is either a detector whose ``backbone`` is a
    :class:`LayoutLMv3MM` (parameters ``backbone.*``) or a bare
    ``LayoutLMv3MM``. Frozen parameters (``requires_grad=False``) are left
    out of the optimizer, as the default constructor does.

    Example:
        >>> optim_wrapper = dict(
        >>>     type='OptimWrapper',
        >>>     optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05),
        >>>     constructor='LayoutLMv3LayerDecayOptimizerConstructor',
        >>>     paramwise_cfg=dict(layer_decay_rate=0.75,
        >>>                        norm_decay_mult=0., bias_decay_mult=0.))

    Args:
        optim_wrapper_cfg (dict): Config of the optimizer wrapper, as for
            :class:`DefaultOptimWrapperConstructor`.
        paramwise_cfg (dict): ``layer_decay_rate`` (float in ``(0, 1]``,
            required) plus any option of
            :class:`DefaultOptimWrapperConstructor`'s ``paramwise_cfg``.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(paramwise_cfg, dict) or ('layer_decay_rate'
                                                   not in paramwise_cfg):
            raise ValueError(
                'LayoutLMv3LayerDecayOptimizerConstructor needs '
                'paramwise_cfg=dict(layer_decay_rate=..., ...), got '
                f'paramwise_cfg={paramwise_cfg!r}')
        rate = paramwise_cfg['layer_decay_rate']
        if (isinstance(rate, bool) or not isinstance(rate, numbers.Real)
                or not 0 < rate <= 1):
            raise ValueError(f'layer_decay_rate must be a number in (0, 1], '
                             f'got {rate!r}')
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        if self.base_lr is None and rate != 1:
            raise ValueError('Layer-wise lr decay needs the base lr: set '
                             '`lr` in the optimizer config')
        self.layer_decay_rate = float(rate)

    @staticmethod
    def _find_backbone(model: nn.Module) -> Tuple[LayoutLMv3MM, str]:
        """The LayoutLMv3MM of ``model`` and its parameter-name prefix."""
        if isinstance(model, LayoutLMv3MM):
            return model, ''
        backbone = getattr(model, 'backbone', None)
        if isinstance(backbone, LayoutLMv3MM):
            return backbone, 'backbone.'
        raise TypeError(
            'LayoutLMv3LayerDecayOptimizerConstructor needs a LayoutLMv3MM '
            f'or a model whose `backbone` is one; got a '
            f'{type(model).__name__} with backbone '
            f'{type(backbone).__name__ if backbone is not None else None}')

    @staticmethod
    def get_layer_id(name: str, num_layers: int, prefix: str = '') -> int:
        """Layer id of parameter ``name`` of the model.

        Args:
            name (str): Full parameter name, e.g.
                ``'backbone.layers.3.attn.qkv.weight'``.
            num_layers (int): Blocks of the backbone.
            prefix (str): Name prefix of the backbone's parameters
                (``'backbone.'``, or ``''`` for a bare backbone).

        Returns:
            int: 0 for the embeddings and attention biases, ``i + 1`` for
            block ``i``, ``num_layers + 1`` for anything else.
        """
        if not name.startswith(prefix):
            return num_layers + 1
        name = name[len(prefix):]
        if name.startswith(EMBEDDING_PREFIXES):
            return 0
        if name.startswith('layers.'):
            return int(name.split('.')[1]) + 1
        return num_layers + 1

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[bool] = None) -> None:
        """Add the parameter groups of ``module`` to ``params``.

        The default rules give each parameter its group; on the top-level
        call (``prefix == ''``, ``module`` being the whole model) the
        learning rates are then scaled by layer.
        """
        if prefix:  # recursion of the default rules into a submodule
            super().add_params(params, module, prefix, is_dcn_module)
            return
        backbone, backbone_prefix = self._find_backbone(module)
        num_layers = len(backbone.layers)
        first = len(params)
        super().add_params(params, module, prefix, is_dcn_module)

        names = {id(p): n for n, p in module.named_parameters()}
        rate = self.layer_decay_rate
        for group in params[first:]:
            (param, ) = group['params']
            layer_id = self.get_layer_id(names[id(param)], num_layers,
                                         backbone_prefix)
            scale = rate**(num_layers + 1 - layer_id)
            if scale != 1:
                group['lr'] = group.get('lr', self.base_lr) * scale
        scales = ', '.join(f'{rate**(num_layers + 1 - k):.4g}'
                           for k in range(num_layers + 2))
        print_log(
            f'Layer-wise lr decay {rate} over {num_layers} LayoutLMv3 '
            f'blocks; lr scale of embeddings, blocks 0-{num_layers - 1} and '
            f'the rest: {scales}',
            logger='current')
