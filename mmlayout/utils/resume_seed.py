"""Resume with the seed the interrupted run had."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import find_latest_checkpoint


def use_checkpoint_seed(cfg: Config) -> None:
    """When a resumed config sets no ``randomness.seed``, take the
    checkpoint's, in place.

    MMEngine builds the train dataloader, whose sampler order and worker
    seeds follow the run's seed, before it loads the checkpoint to resume
    from; without a configured seed it draws a new one, and only the
    random generators get the checkpoint's seed later. With the
    checkpoint's seed in the config the resumed run's dataloader is seeded
    as the interrupted run's was.

    Args:
        cfg (Config): A config with ``resume`` True: ``load_from`` names the
            checkpoint, or, when None, the latest one in ``work_dir``.
    """
    if cfg.get('randomness', {}).get('seed') is not None:
        return
    path = cfg.get('load_from') or find_latest_checkpoint(cfg.work_dir)
    if path is None or not osp.isfile(path):  # nothing (local) to resume
        return
    checkpoint = torch.load(path, map_location='cpu', mmap=True,
                            weights_only=True)
    seed = checkpoint.get('meta', {}).get('seed')
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
