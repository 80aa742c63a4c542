from .atomic_files import (AtomicLocalBackend, atomic_write,
                           remove_leftover_temp_files, use_atomic_local_files)
from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .cpu_autocast import run_mmcv_ops_in_float32_under_cpu_autocast
from .folder_lock import (EXIT_LOCKED, FolderLockedError, folder_lock,
                          run_with_folder_lock)
from .memory import release_free_heap_memory
from .mmcv_contiguous import give_mmcv_ops_contiguous_inputs
from .quantization import quantize_linear_int8
from .resume_seed import use_checkpoint_seed
from .runtime import (add_cfg_options_argument, cpu_has_native_bf16,
                      cpu_model_name, enable_amp, init_cpu_distributed,
                      parse_runner_args, prepare_config)
from .tokenizer import (SPECIAL_TOKENS, TOKENIZER_KINDS, get_backend_tokenizer,
                        get_tokenizer, train_tokenizer, word_start_table)

__all__ = [
    'AtomicLocalBackend', 'EXIT_LOCKED', 'FolderLockedError',
    'SPECIAL_TOKENS', 'TOKENIZER_KINDS', 'add_cfg_options_argument',
    'allow_mmengine_checkpoints', 'atomic_write', 'cpu_has_native_bf16',
    'cpu_model_name', 'enable_amp', 'folder_lock', 'get_backend_tokenizer',
    'get_tokenizer', 'give_mmcv_ops_contiguous_inputs', 'init_cpu_distributed',
    'mmengine_checkpoint_globals', 'parse_runner_args', 'prepare_config',
    'quantize_linear_int8',
    'release_free_heap_memory', 'remove_leftover_temp_files',
    'run_mmcv_ops_in_float32_under_cpu_autocast', 'run_with_folder_lock',
    'train_tokenizer', 'use_atomic_local_files', 'use_checkpoint_seed',
    'word_start_table'
]
