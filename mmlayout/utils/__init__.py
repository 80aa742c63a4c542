from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .runtime import enable_amp, init_cpu_distributed, prepare_config

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_globals', 'enable_amp',
    'init_cpu_distributed', 'prepare_config'
]
