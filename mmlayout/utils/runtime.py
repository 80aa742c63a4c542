"""Options and config preparation shared by ``tools/train.py`` and
``tools/test.py``."""
import argparse
import logging
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.logging import print_log


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options key=value ...`` (config overrides, parsed by
    MMEngine's ``DictAction``) to a tool's parser."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. tokenizer=DIR)')


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the options every runner tool takes, then parse the command line.

    The options are ``--work-dir``, ``--amp``, ``--cfg-options``,
    ``--launcher`` and ``--local-rank`` (passed by
    ``torch.distributed.launch``; ``torchrun`` sets ``LOCAL_RANK`` instead,
    and this exports ``LOCAL_RANK`` when it is not set yet).
    """
    parser.add_argument(
        '--work-dir', help='where logs, checkpoints and metrics are saved')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (fp16 on GPU, bf16 on CPU)')
    add_cfg_options_argument(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


#: Top-level config keys copied into every ``OCRTokenLoad`` of the
#: dataloaders' pipelines, so that a config (or ``--cfg-options``) sets the
#: tokenizer and the OCR folder once.
TEXT_KEYS = ('tokenizer', 'ocr_root')


def apply_text_keys(cfg: Config) -> None:
    """Copy the config's ``tokenizer`` and ``ocr_root`` (when set) into
    every ``OCRTokenLoad`` of the train/val/test dataloaders, in place, and
    the ``tokenizer`` into a model that takes one (``LayoutLMv3Pretrainer``).

    Datasets wrapped in others (``dataset.dataset``, ``datasets`` lists)
    are followed.
    """
    values = {key: cfg[key] for key in TEXT_KEYS if cfg.get(key) is not None}
    if not values:
        return
    model = cfg.get('model')
    if isinstance(model, dict) and 'tokenizer' in model and (
            'tokenizer' in values):
        model['tokenizer'] = values['tokenizer']

    def visit(dataset) -> None:
        if not isinstance(dataset, dict):
            return
        for transform in dataset.get('pipeline') or []:
            if isinstance(transform, dict) and transform.get(
                    'type') == 'OCRTokenLoad':
                transform.update(values)
        visit(dataset.get('dataset'))
        for child in dataset.get('datasets') or []:
            visit(child)

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            visit(cfg[loader].get('dataset'))


def prepare_config(cfg: Config, config_path: str, work_dir: str = None,
                   cfg_options: dict = None,
                   launcher: str = 'none') -> Config:
    """Apply the command-line overrides every tool accepts, then the
    config's ``tokenizer`` and ``ocr_root`` (:func:`apply_text_keys`).

    Args:
        cfg (Config): The loaded config; modified in place and returned.
        config_path (str): Where it was loaded from (names the default
            work dir ``./work_dirs/<config name>``).
        work_dir (str, optional): Overrides ``cfg.work_dir``.
        cfg_options (dict, optional): ``--cfg-options`` key-value pairs.
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.
    """
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    apply_text_keys(cfg)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    if launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)
    return cfg


def init_cpu_distributed(cfg: Config) -> None:
    """Run distributed jobs on CPU processes with the gloo backend.

    MMEngine's launchers assume one GPU per process (they call
    ``torch.cuda.set_device`` and give DDP ``device_ids``). On a machine
    without CUDA this starts the process group with gloo from the
    ``torchrun`` environment first (MMEngine then keeps it) and wraps the
    model in DDP without device ids.
    """
    if not dist.is_initialized():
        missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                               'MASTER_PORT') if k not in os.environ]
        if missing:
            raise RuntimeError(
                f'launcher {cfg.launcher!r} needs the environment variables '
                f'{missing}; start with tools/dist_train.sh or torchrun')
        dist.init_process_group(backend='gloo', init_method='env://')
    cfg.env_cfg = dict(cfg.get('env_cfg', {}), dist_cfg=dict(backend='gloo'))
    wrapper = dict(cfg.get('model_wrapper_cfg') or
                   dict(type='MMDistributedDataParallel'))
    wrapper.update(device_ids=None)
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def cpu_model_name() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else the
    platform's processor string, for benchmark reports."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or 'unknown CPU'


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 matmuls natively (oneDNN's check
    for AVX512-BF16 or AMX); without them autocast to bfloat16 is slower
    than float32."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def _warn_without_native_bf16() -> None:
    """Log that CPU autocast to bfloat16 is emulated here, where it is."""
    if not cpu_has_native_bf16():
        print_log(
            'This CPU has no native bfloat16 matmul (capability '
            f'{torch.backends.cpu.get_cpu_capability()}): --amp runs '
            'slower than float32 here', 'current', logging.WARNING)


def enable_amp(cfg: Config, training: bool = True) -> None:
    """Switch training or testing to mixed precision.

    Training: on GPUs MMEngine's ``AmpOptimWrapper`` (fp16 with dynamic
    loss scaling); without CUDA :class:`AutocastOptimWrapper` in bfloat16,
    which needs no loss scaling. CPUs without native bfloat16 instructions
    (AVX512-BF16 or AMX) emulate it, slower than float32: a warning says so.
    Testing: ``test_cfg.fp16``, under which MMEngine's test loop autocasts
    to fp16 on GPUs and to bfloat16 on CPUs (with the same warning). The
    detector's heads hand float32 outputs to box decoding, so boxes,
    predictions and metrics stay float32 (``decode_boxes_in_float32``).

    Args:
        cfg (Config): The config; modified in place.
        training (bool): Whether to change the optimizer wrapper (training)
            or the test loop. Defaults to True.
    """
    if not training:
        cfg.test_cfg = dict(cfg.get('test_cfg') or {}, fp16=True)
        if not torch.cuda.is_available():
            _warn_without_native_bf16()
        return
    wrapper = cfg.optim_wrapper
    if wrapper.get('type', 'OptimWrapper') in ('AmpOptimWrapper',
                                               'AutocastOptimWrapper'):
        return
    if torch.cuda.is_available():
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')
    else:
        wrapper.type = 'AutocastOptimWrapper'
        wrapper.setdefault('dtype', 'bfloat16')
        _warn_without_native_bf16()
