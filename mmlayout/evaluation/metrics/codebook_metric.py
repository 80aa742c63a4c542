"""CodebookMetric: how an image tokenizer uses its codebook on held-out
pages, and how well it rebuilds them."""
import math
from typing import Dict, List, Sequence

import torch
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric


@METRICS.register_module()
class CodebookMetric(BaseMetric):
    """Codebook usage and reconstruction error of :class:`PatchVQVAE`.

    - ``codes_used`` (%): codes given to at least one patch of the pages.
    - ``perplexity``: ``exp`` of the entropy of the code histogram; K for a
      uniform use of K codes, 1 for a collapsed codebook.
    - ``top_code`` (%): patches given the most frequent code (the blank
      patch, on documents).
    - ``rec_mse``: mean squared error of the rebuilt normalised pixels.

    Args:
        prefix (str): Prefix of the metric names. Defaults to
            ``'codebook'``.
        collect_device (str): As for ``BaseMetric``.
    """

    default_prefix = 'codebook'

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Keep each page's code histogram and squared error."""
        for sample in data_samples:
            self.results.append(
                dict(histogram=sample.get('histogram'),
                     sq_error=float(sample.get('sq_error')),
                     count=int(sample.get('count'))))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Add the pages up."""
        histogram = torch.stack([r['histogram'] for r in results]).sum(0)
        total = max(int(histogram.sum()), 1)
        probs = histogram.double() / total
        entropy = -(probs * probs.clamp(min=1e-12).log()).sum().item()
        return dict(
            codes_used=round(100 * (histogram > 0).double().mean().item(),
                             2),
            perplexity=round(math.exp(entropy), 2),
            top_code=round(100 * histogram.max().item() / total, 2),
            rec_mse=round(
                sum(r['sq_error'] for r in results) /
                max(sum(r['count'] for r in results), 1), 5))
