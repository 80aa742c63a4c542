"""PretrainMasking: LayoutLMv3's MLM and MIM masks, drawn per page."""
import math
import zlib

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS

from ..pretrain_masks import block_mask_patches, span_mask_words


@TRANSFORMS.register_module()
class PretrainMasking(BaseTransform):
    """Draw the masks of LayoutLMv3 pre-training for one page.

    - **Text** (masked language modelling): ``text_ratio`` of the page's
      words are masked in spans whose lengths follow Poisson(``mean_span``)
      (:func:`span_mask_words`); every sub-token of a masked word is masked.
      Since words are chosen uniformly, about ``text_ratio`` of the tokens
      are masked too. ``<s>``/``</s>`` are never masked. Which tokens are
      replaced by ``<mask>``, by a random token or kept is decided by the
      model (:class:`LayoutLMv3Pretrainer`).
    - **Image** (masked image modelling): ``image_ratio`` of the patches of
      the page content are masked in BEiT-style blocks
      (:func:`block_mask_patches`) on the patch grid of the image as it is
      now, ``ceil(h / patch_size) x ceil(w / patch_size)``. Batch padding
      added later never gets masked.

    Masks are drawn afresh every time a page is seen (from numpy's global
    random state, which MMEngine seeds per worker and rank), or, with
    ``fixed=True``, the same for a page every time (seeded by its path and
    ``seed``): for validation curves comparable across checkpoints.

    Goes after the geometric transforms (``Resize``) and right before
    :class:`PackLayoutInputs`; no ``Pad`` in between (the batch is padded by
    the data preprocessor).

    Required Keys:

    - img_shape
    - text_input_ids
    - text_word_index (from :class:`OCRTokenLoad`)

    Added Keys:

    - mlm_mask (np.bool_): ``(L,)`` True for masked text tokens.
    - mim_mask (np.bool_): ``(ceil(h / p), ceil(w / p))`` True for masked
      patches.

    Args:
        text_ratio (float): Share of the words to mask. Defaults to 0.3.
        mean_span (float): Poisson lambda of the span lengths, in words.
            Defaults to 3.
        image_ratio (float): Share of the patches to mask. Defaults to 0.4.
        patch_size (int): Patch side of the model in pixels. Defaults to 16.
        min_block (int): Smallest block of patches. Defaults to 16.
        min_aspect (float): Smallest block aspect ratio (the largest is its
            inverse). Defaults to 0.3.
        fixed (bool): Same masks for a page every time. Defaults to False.
        seed (int): Seed mixed with the page path when ``fixed``.
            Defaults to 0.
    """

    def __init__(self,
                 text_ratio: float = 0.3,
                 mean_span: float = 3.,
                 image_ratio: float = 0.4,
                 patch_size: int = 16,
                 min_block: int = 16,
                 min_aspect: float = 0.3,
                 fixed: bool = False,
                 seed: int = 0) -> None:
        for name, ratio in (('text_ratio', text_ratio), ('image_ratio',
                                                         image_ratio)):
            if not 0 <= ratio <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {ratio}')
        if mean_span <= 0:
            raise ValueError(f'mean_span must be > 0, got {mean_span}')
        if not 0 < min_aspect <= 1:
            raise ValueError(f'min_aspect must be in (0, 1], got {min_aspect}')
        if patch_size < 1 or min_block < 1:
            raise ValueError('patch_size and min_block must be >= 1, got '
                             f'{patch_size} and {min_block}')
        self.text_ratio = text_ratio
        self.mean_span = mean_span
        self.image_ratio = image_ratio
        self.patch_size = patch_size
        self.min_block = min_block
        self.min_aspect = min_aspect
        self.fixed = fixed
        self.seed = seed

    def _rng(self, results: dict) -> np.random.Generator:
        if self.fixed:
            key = str(results.get('img_path', results.get('img_id', '')))
            return np.random.default_rng(
                [self.seed, zlib.crc32(key.encode('utf-8'))])
        return np.random.default_rng(np.random.randint(0, 2**31 - 1))

    def transform(self, results: dict) -> dict:
        """Add ``mlm_mask`` and ``mim_mask`` to ``results``."""
        if 'text_word_index' not in results:
            raise KeyError('PretrainMasking needs the text of OCRTokenLoad '
                           '(results["text_word_index"]): put it after '
                           'OCRTokenLoad in the pipeline')
        rng = self._rng(results)
        word_index = results['text_word_index']
        is_word = word_index >= 0
        words, token_word = np.unique(
            word_index[is_word], return_inverse=True)
        masked_words = span_mask_words(
            len(words), self.text_ratio, self.mean_span, rng)
        mlm_mask = np.zeros(len(word_index), dtype=bool)
        mlm_mask[is_word] = masked_words[token_word]

        height, width = results['img_shape'][:2]
        results['mlm_mask'] = mlm_mask
        results['mim_mask'] = block_mask_patches(
            math.ceil(height / self.patch_size),
            math.ceil(width / self.patch_size),
            self.image_ratio,
            rng,
            min_block=self.min_block,
            min_aspect=self.min_aspect)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(text_ratio={self.text_ratio}, '
                f'mean_span={self.mean_span}, '
                f'image_ratio={self.image_ratio}, '
                f'patch_size={self.patch_size}, min_block={self.min_block}, '
                f'min_aspect={self.min_aspect}, fixed={self.fixed}, '
                f'seed={self.seed})')
