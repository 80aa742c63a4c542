import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from projects.text_vs_image import fit_few_pages
from projects.text_vs_image.fit_few_pages import (roi_feature_stats,
                                                  scale_outputs, total_loss,
                                                  window_means)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CNN = osp.join(ROOT, 'configs', 'demo', 'r18_cascade_synth.py')


def test_window_means_and_total_loss():
    history = {'a': [1., 2., 3., 5.], 'b': [4.]}
    assert window_means(history, 2) == {'a': 4., 'b': 4.}
    losses = {
        'loss_rpn_cls': torch.tensor(1.),
        's0.loss_cls': [torch.tensor(2.), torch.tensor(3.)],
        's0.acc': torch.tensor(50.)
    }
    assert float(total_loss(losses)) == 6.


def test_neck_gain_scales_what_the_roi_heads_read(synth_root):
    from mmdet.registry import DATASETS, MODELS
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = Config.fromfile(CNN)
    cfg.train_dataloader.dataset.data_root = f'{synth_root}/'
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    data = model.data_preprocessor(
        pseudo_collate([dataset[0], dataset[1]]), True)
    plain = roi_feature_stats(model, data)
    assert len(plain['levels']) == 5
    assert plain['roi_abs'] > 0 and plain['roi_spread'] > 0
    handle = scale_outputs(model.neck, 3.)
    scaled = roi_feature_stats(model, data)
    handle.remove()
    # RoIAlign is linear: the RoI features and the maps scale exactly.
    assert scaled['roi_abs'] == pytest.approx(3 * plain['roi_abs'], rel=1e-5)
    assert scaled['roi_spread'] == pytest.approx(
        3 * plain['roi_spread'], rel=1e-5)
    for ours, theirs in zip(scaled['levels'], plain['levels']):
        assert ours == pytest.approx(tuple(3 * v for v in theirs), rel=1e-5)
    assert roi_feature_stats(model, data) == plain


def test_fit_prints_the_windows(synth_root, capsys):
    assert fit_few_pages.main([
        CNN, '--pages', '3', '--steps', '2', '--log-interval', '1',
        '--cfg-options', f'train_dataloader.dataset.data_root={synth_root}/'
    ]) == 0
    out = capsys.readouterr().out
    assert 'RoI features on the ground truth' in out
    assert out.count('s0.loss_cls') == 2
    with pytest.raises(SystemExit, match='fewer than --pages 9'):
        fit_few_pages.main([
            CNN, '--pages', '9', '--cfg-options',
            f'train_dataloader.dataset.data_root={synth_root}/'
        ])
