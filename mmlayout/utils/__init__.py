from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .runtime import (add_runner_arguments, cpu_has_native_bf16, enable_amp,
                      init_cpu_distributed, parse_runner_args, prepare_config)

__all__ = [
    'add_runner_arguments', 'allow_mmengine_checkpoints',
    'cpu_has_native_bf16', 'enable_amp', 'init_cpu_distributed',
    'mmengine_checkpoint_globals', 'parse_runner_args', 'prepare_config'
]
