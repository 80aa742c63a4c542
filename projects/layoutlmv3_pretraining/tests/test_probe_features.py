"""probe_features.py: region labels, the probe itself, and a whole run on
synthetic pages (a random and a saved backbone)."""
import os.path as osp
import sys

import torch
from helpers.tokenizers import english_bpe_tokenizer

from projects.layoutlmv3_pretraining import probe_features
from projects.layoutlmv3_pretraining.probe_features import (effective_rank,
                                                            fit_probe,
                                                            region_labels)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')


def test_region_labels_take_the_smallest_region_under_each_point():
    regions = torch.tensor([[0., 0., 100., 100.], [10., 10., 30., 30.]])
    classes = torch.tensor([4, 7])
    points = torch.tensor([[5., 5.], [20., 20.], [150., 20.], [30., 30.]])
    # (30, 30) lies on the small box's right/bottom edge: outside it (half
    # open), inside the large one
    assert region_labels(points, regions, classes,
                         background=10).tolist() == [4, 7, 10, 4]
    assert region_labels(points, regions[:0], classes[:0],
                         background=10).tolist() == [10] * 4


def test_probe_separates_separable_states_and_reports_the_majority():
    torch.manual_seed(0)
    labels = torch.tensor([0] * 60 + [1] * 30 + [2] * 10)
    states = torch.randn(100, 8) + 6 * torch.nn.functional.one_hot(
        labels, 8).float()
    scores = fit_probe((states, labels), (states.clone(), labels), 3, 50)
    assert scores['accuracy'] == 100 and scores['balanced'] == 100
    assert abs(scores['majority'] - 60) < 1e-4
    noise = (torch.randn(100, 8), labels)
    chance = fit_probe(noise, (torch.randn(100, 8), labels), 3, 50)
    assert chance['balanced'] < 80


def test_effective_rank_counts_the_directions_used():
    torch.manual_seed(0)
    spread = torch.randn(5000, 16)
    rank, share = effective_rank(spread)
    assert 15 < rank <= 16 and share < 0.1
    # one direction plus a little noise: rank near 1 even though every
    # channel is standardised first
    line = torch.randn(5000, 1) * torch.randn(1, 16) + 0.01 * spread
    rank, share = effective_rank(line)
    assert rank < 1.1 and share > 0.99


def test_whole_run_on_synthetic_pages(synth_root, tmp_path, monkeypatch,
                                      capsys):
    torch.manual_seed(1)
    from mmdet.registry import MODELS
    from mmengine.config import Config
    backbone = MODELS.build(Config.fromfile(DEMO).model.backbone)
    checkpoint = tmp_path / 'backbone.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in backbone.state_dict().items()}},
               checkpoint)
    monkeypatch.setattr(sys, 'argv', [
        'probe_features.py', DEMO, 'scratch=none', f'saved={checkpoint}',
        '--train-pages', '3', '--val-pages', '2', '--steps', '5',
        '--cfg-options', f'tokenizer={english_bpe_tokenizer()}',
        f'train_dataloader.dataset.data_root={synth_root}/',
        f'val_dataloader.dataset.data_root={synth_root}/'
    ])
    probe_features.main()
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith(('| scratch', '| saved'))]
    rows, spectra = rows[:4], rows[4:]
    assert [row.split('|')[1:3] for row in rows] == [
        [' scratch ', ' patches '], [' scratch ', ' tokens '],
        [' saved ', ' patches '], [' saved ', ' tokens ']]
    for row in rows:
        accuracy, balanced, majority = (
            float(cell) for cell in row.split('|')[3:6])
        assert 0 <= accuracy <= 100 and 0 <= balanced <= 100
        assert 0 < majority <= 100
    # then one effective rank per backbone and output block (4 in the demo)
    assert [row.split('|')[1] for row in spectra] == [' scratch ', ' saved ']
    for row in spectra:
        cells = row.split('|')[2:-1]
        assert len(cells) == 4
        for cell in cells:
            rank, share = cell.split()
            assert 1 <= float(rank) <= 256 and 0 < float(share[1:-1]) <= 1
