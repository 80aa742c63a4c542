"""The text a data sample carries, and stacking it for a batch.

Contract (written by :class:`mmlayout.datasets.transforms.PackLayoutInputs`,
padded by :class:`mmlayout.models.data_preprocessors.LayoutDataPreprocessor`):

- ``data_sample.text``: an ``InstanceData`` of length L with

  - ``input_ids``: ``(L,)`` long token ids ``<s> ... </s>`` (then padding),
  - ``bboxes``: ``(L, 4)`` long ``x0, y0, x1, y1`` on a 0-1000 grid of the
    page content (``[0, 0, 0, 0]`` for special and padding tokens),
  - ``attention_mask``: ``(L,)`` bool, after the data preprocessor only,
  - ``metainfo['pad_token_id']``: the tokenizer's padding id.

- ``data_sample.metainfo['valid_shape']``: ``(h, w)`` of the page content in
  the input image (top-left aligned; the rest of the batch canvas is
  padding). A box covers input pixels ``bboxes / 1000 * (w, h, w, h)``.
"""
from typing import Dict, Optional, Sequence

import torch

from mmdet.structures import DetDataSample


def batch_valid_shapes(data_samples: Sequence[DetDataSample],
                       device: torch.device) -> torch.Tensor:
    """``(B, 2)`` long ``(h, w)`` of each sample's page content in the input
    image: ``valid_shape`` (set by ``PackLayoutInputs``), else
    ``img_shape`` (``PackDetInputs``)."""
    return torch.tensor(
        [s.metainfo.get('valid_shape', s.img_shape)[:2] for s in data_samples],
        dtype=torch.long,
        device=device)


def word_token_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Mask of the word tokens: real tokens but ``<s>`` and ``</s>``.

    By the contract above the sequence of each sample is
    ``<s> tokens... </s>`` then padding, so ``<s>`` is the first token and
    ``</s>`` the last real one.

    Args:
        attention_mask (Tensor): ``(B, L)``, bool or 0/1, True for real
            (non-padding) tokens.

    Returns:
        Tensor: ``(B, L)`` bool, ``attention_mask`` with the first token and
        the last real token of every sample switched off.
    """
    if attention_mask.dim() != 2:
        raise ValueError(f'attention_mask must have shape (B, L); got '
                         f'{tuple(attention_mask.shape)}')
    mask = attention_mask.bool()
    if mask.shape[1] == 0:
        return mask
    positions = torch.arange(mask.shape[1], device=mask.device)
    # Index of the last real token (0 for a sample without any).
    last = (positions * mask).amax(dim=1, keepdim=True)
    return mask & (positions > 0) & (positions != last)


def stack_batch_text(
        data_samples: Sequence[DetDataSample]
) -> Optional[Dict[str, torch.Tensor]]:
    """Stack the padded text of a batch.

    Args:
        data_samples (Sequence[DetDataSample]): Samples after
            ``LayoutDataPreprocessor`` (equal text lengths).

    Returns:
        dict | None: None when the samples carry no text, else
        ``input_ids`` ``(B, L)`` long, ``bboxes`` ``(B, L, 4)`` long,
        ``attention_mask`` ``(B, L)`` bool and ``valid_shapes`` ``(B, 2)``
        long ``(h, w)``.
    """
    if not data_samples or 'text' not in data_samples[0]:
        return None
    if any('attention_mask' not in s.text for s in data_samples):
        raise ValueError('the text of these data samples is not padded: '
                         'use LayoutDataPreprocessor as data_preprocessor')
    device = data_samples[0].text.input_ids.device
    return dict(
        input_ids=torch.stack([s.text.input_ids for s in data_samples]),
        bboxes=torch.stack([s.text.bboxes for s in data_samples]),
        attention_mask=torch.stack(
            [s.text.attention_mask for s in data_samples]),
        valid_shapes=batch_valid_shapes(data_samples, device))
