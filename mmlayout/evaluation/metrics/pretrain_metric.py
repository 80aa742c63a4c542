"""PretrainMetric: pre-training objectives on held-out pages, beside the
baselines that tell whether they learned anything."""
from collections import Counter
from typing import Dict, List, Sequence

from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric

#: Per-page sums of LayoutLMv3Pretrainer.predict that are added up.
_SUMS = ('mlm_loss', 'mlm_count', 'mlm_correct', 'mim_loss', 'mim_count',
         'mim_baseline', 'wpa_loss', 'wpa_count', 'wpa_correct',
         'wpa_aligned')


@METRICS.register_module()
class PretrainMetric(BaseMetric):
    """Losses and accuracies of :class:`LayoutLMv3Pretrainer` on held-out
    pages, each with a baseline.

    - ``mlm_acc`` (%) against ``mlm_unigram_acc``: always predicting the
      most frequent masked token of these pages (a unigram model fitted on
      the evaluation pages themselves, so a generous baseline);
      ``mlm_loss`` (cross-entropy, nats).
    - ``mim_loss`` against ``mim_baseline_loss``: the loss of the trivial
      predictor of the MIM target (zeros for normalised pixels: the
      mean-pixel predictor; the uniform distribution for codes); with a
      discrete target also ``mim_acc`` (%) against ``mim_majority_acc``:
      always predicting the most frequent code of these pages.
    - ``wpa_acc`` (%) against ``wpa_majority_acc``: always predicting the
      more frequent label; ``wpa_aligned`` (%): the label balance;
      ``wpa_loss``.

    Every mean is over tokens (patches) of all pages, not over pages.

    Args:
        prefix (str): Prefix of the metric names. Defaults to
            ``'pretrain'``.
        collect_device (str): As for ``BaseMetric``.
    """

    default_prefix = 'pretrain'

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Keep the sums of each page and its masked token ids."""
        for sample in data_samples:
            result = {key: float(sample.get(key)) for key in _SUMS}
            result['mlm_targets'] = sample.get('mlm_targets').tolist()
            if 'mim_correct' in sample:  # a discrete MIM target
                result['mim_correct'] = float(sample.get('mim_correct'))
                result['mim_targets'] = sample.get('mim_targets').tolist()
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Add the pages' sums up into means and baselines."""
        totals = {key: sum(r[key] for r in results) for key in _SUMS}
        unigram = Counter()
        for result in results:
            unigram.update(result['mlm_targets'])
        metrics = {}
        mlm, mim, wpa = (max(totals[f'{name}_count'], 1)
                         for name in ('mlm', 'mim', 'wpa'))
        metrics['mlm_loss'] = totals['mlm_loss'] / mlm
        metrics['mlm_acc'] = 100 * totals['mlm_correct'] / mlm
        metrics['mlm_unigram_acc'] = 100 * (
            unigram.most_common(1)[0][1] if unigram else 0) / mlm
        metrics['mim_loss'] = totals['mim_loss'] / mim
        metrics['mim_baseline_loss'] = totals['mim_baseline'] / mim
        metrics['wpa_loss'] = totals['wpa_loss'] / wpa
        metrics['wpa_acc'] = 100 * totals['wpa_correct'] / wpa
        aligned = totals['wpa_aligned'] / wpa
        metrics['wpa_aligned'] = 100 * aligned
        metrics['wpa_majority_acc'] = 100 * max(aligned, 1 - aligned)
        metrics['masked_tokens'] = totals['mlm_count']
        if all('mim_correct' in r for r in results):
            codes = Counter()
            for result in results:
                codes.update(result['mim_targets'])
            metrics['mim_acc'] = 100 * sum(r['mim_correct']
                                           for r in results) / mim
            metrics['mim_majority_acc'] = 100 * (
                codes.most_common(1)[0][1] if codes else 0) / mim
        return {key: round(value, 4) for key, value in metrics.items()}
