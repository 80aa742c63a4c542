import torch
from mmengine.config import Config

from mmlayout.utils import use_checkpoint_seed


def resumed_config(work_dir, **kwargs):
    return Config(dict(dict(work_dir=str(work_dir), resume=True,
                            load_from=None), **kwargs))


def test_the_latest_checkpoints_seed_when_none_is_configured(tmp_path):
    checkpoint = tmp_path / 'iter_2.pth'
    torch.save(dict(meta=dict(seed=1234, iter=2)), checkpoint)
    (tmp_path / 'last_checkpoint').write_text(str(checkpoint))
    cfg = resumed_config(tmp_path, randomness=dict(deterministic=True))
    use_checkpoint_seed(cfg)
    assert cfg.randomness == dict(deterministic=True, seed=1234)

    cfg = resumed_config(tmp_path / 'elsewhere', load_from=str(checkpoint))
    use_checkpoint_seed(cfg)  # a checkpoint named on the command line
    assert cfg.randomness.seed == 1234


def test_a_configured_seed_or_no_checkpoint_is_left_alone(tmp_path):
    torch.save(dict(meta=dict(seed=1234)), tmp_path / 'iter_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    cfg = resumed_config(tmp_path, randomness=dict(seed=7))
    use_checkpoint_seed(cfg)
    assert cfg.randomness.seed == 7
    cfg = resumed_config(tmp_path / 'empty')
    use_checkpoint_seed(cfg)
    assert 'randomness' not in cfg
