"""RandomTextDrop: train a text-aware model on some pages without text."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomTextDrop(BaseTransform):
    """With probability ``prob``, take all text off a page: it becomes
    ``<s></s>``, as a page whose OCR found nothing.

    A text-aware model trained only on pages with their words learns to
    lean on them, and finds few regions on a page it then gets without
    text (OCR switched off or failed, a page of figures). Dropping the text
    of some training pages keeps the image path able to stand alone
    (modality dropout). Goes after :class:`OCRTokenLoad` in a training
    pipeline.

    Required Keys:

    - text_input_ids
    - text_line_index
    - text_line_bboxes

    Modified Keys (when the text is dropped):

    - text_input_ids: ``(2,)``, ``<s>`` and ``</s>``.
    - text_line_index: ``(2,)``, -1 and -1.
    - text_line_bboxes: ``(0, 4)``.
    - text_word_index: ``(2,)``, -1 and -1 (when present).

    Args:
        prob (float): Probability of dropping a page's text, in [0, 1].
            Defaults to 0.25.
    """

    def __init__(self, prob: float = 0.25) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob

    @cache_randomness
    def _drops(self) -> bool:
        return bool(np.random.rand() < self.prob)

    def transform(self, results: dict) -> dict:
        """Drop the page's text, or leave ``results`` as they are."""
        if 'text_input_ids' not in results:
            raise KeyError('RandomTextDrop needs the text of OCRTokenLoad '
                           '(results["text_input_ids"]): put it after '
                           'OCRTokenLoad in the pipeline')
        if self._drops():
            input_ids = results['text_input_ids']
            results['text_input_ids'] = input_ids[[0, -1]].copy()
            results['text_line_index'] = np.full(2, -1, dtype=np.int64)
            results['text_line_bboxes'] = np.zeros((0, 4), dtype=np.float32)
            if 'text_word_index' in results:
                results['text_word_index'] = np.full(2, -1, dtype=np.int64)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'
