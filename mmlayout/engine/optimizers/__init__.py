from .autocast_optim_wrapper import AutocastOptimWrapper
from .layer_decay_optim_constructor import \
    LayoutLMv3LayerDecayOptimizerConstructor

__all__ = ['AutocastOptimWrapper', 'LayoutLMv3LayerDecayOptimizerConstructor']
