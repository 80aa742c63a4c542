import pytest
import torch
from mmengine.structures import BaseDataElement

from mmlayout.evaluation import PretrainMetric


def page(mlm_targets, **sums):
    values = dict(mlm_loss=0., mlm_count=0., mlm_correct=0., mim_loss=0.,
                  mim_count=0., mim_baseline=0., wpa_loss=0., wpa_count=0.,
                  wpa_correct=0., wpa_aligned=0.)
    values.update(sums)
    return BaseDataElement(mlm_targets=torch.tensor(mlm_targets), **values)


def test_means_over_tokens_and_baselines():
    metric = PretrainMetric()
    metric.process({}, [
        page([5, 5, 7], mlm_loss=3., mlm_count=3., mlm_correct=2.,
             mim_loss=4., mim_count=4., mim_baseline=8., wpa_loss=1.,
             wpa_count=2., wpa_correct=2., wpa_aligned=2.),
        page([5], mlm_loss=1., mlm_count=1., mlm_correct=0., mim_loss=2.,
             mim_count=2., mim_baseline=4., wpa_loss=3., wpa_count=6.,
             wpa_correct=3., wpa_aligned=4.)
    ])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mlm_loss'] == 1.0  # (3 + 1) / 4 tokens, not per page
    assert metrics['mlm_acc'] == 50.0
    assert metrics['mlm_unigram_acc'] == 75.0  # token 5: 3 of 4
    assert metrics['mim_loss'] == 1.0
    assert metrics['mim_baseline_loss'] == 2.0
    assert metrics['wpa_acc'] == 62.5
    assert metrics['wpa_aligned'] == 75.0
    assert metrics['wpa_majority_acc'] == 75.0
    assert metrics['wpa_loss'] == 0.5


def test_no_tokens():
    metric = PretrainMetric()
    metric.process({}, [page([])])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mlm_acc'] == 0 and metrics['mlm_unigram_acc'] == 0
    assert metrics['masked_tokens'] == 0
    assert not any(value != value for value in metrics.values())  # no NaN


@pytest.mark.parametrize('prefix', ['pretrain'])
def test_prefix(prefix):
    assert PretrainMetric().prefix == prefix
