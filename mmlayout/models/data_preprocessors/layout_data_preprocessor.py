"""LayoutDataPreprocessor: DetDataPreprocessor that also batches the text."""
from typing import List, Optional, Sequence

import torch
from mmengine.structures import InstanceData

from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

from ...structures import LayoutInputs, batch_valid_shapes, stack_batch_text


#: Padding of per-token text fields other than ``input_ids`` (0 if absent).
PAD_VALUES = {'word_ids': -1}


@MODELS.register_module()
class LayoutDataPreprocessor(DetDataPreprocessor):
    """Image pre-processor of mmdet plus padding of the pages' text.

    Images are normalised, padded and stacked as by
    :class:`mmdet.models.data_preprocessors.DetDataPreprocessor`. Then the
    text of every data sample (``data_sample.text`` from
    :class:`PackLayoutInputs`) is padded to the longest sequence of the
    batch, so that afterwards each sample holds, with the same L:

    - ``text.input_ids``: ``(L,)`` long, padded with the pad id.
    - ``text.bboxes``: ``(L, 4)`` long 0-1000 boxes, padded with zeros.
    - ``text.attention_mask``: ``(L,)`` bool, True on real tokens.
    - any other per-token field (``word_ids`` padded with -1, ``mlm_mask``
      and others with 0/False).

    Then the batch goes to the model as one :class:`LayoutInputs`: the
    images, each page's valid shape (its content in the padded canvas) and
    the text stacked to ``(B, L)`` tensors (None without text). Pages
    without text (``<s></s>`` only, or no tokens at all) mix
    freely with others; a batch in which no sample has ``text`` (an
    image-only pipeline) is left as it is.

    The pad id is the one the tokenizer gave each sample
    (``text.metainfo['pad_token_id']``, set by :class:`OCRTokenLoad`);
    samples that disagree, or disagree with ``pad_token_id`` when that is
    set here, raise ``ValueError``.

    Batch augmentations are refused: they would move pixels after the text
    boxes were fixed to the image.

    Args:
        pad_token_id (int, optional): Expected pad id of the tokenizer; None
            (default) takes it from the data samples.
        **kwargs: Arguments of ``DetDataPreprocessor`` (``mean``, ``std``,
            ``pad_size_divisor``, ``bgr_to_rgb``, ...).
    """

    def __init__(self, pad_token_id: Optional[int] = None, **kwargs) -> None:
        if kwargs.get('batch_augments'):
            raise ValueError(
                'LayoutDataPreprocessor does not support batch_augments: '
                'they move pixels after the text boxes were fixed')
        super().__init__(**kwargs)
        self.pad_token_id = pad_token_id

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise and pad the images, pad the text, stack the batch.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the dataloader.
            training (bool): Whether in training mode.

        Returns:
            dict: ``inputs``, a :class:`LayoutInputs`, and ``data_samples``
            with equal-length text.
        """
        data = super().forward(data=data, training=training)
        images, samples = data['inputs'], data['data_samples']
        if samples is None:
            valid = images.new_tensor(images.shape[-2:], dtype=torch.long)
            data['inputs'] = LayoutInputs(
                images, valid.expand(images.shape[0], 2))
            return data
        self.pad_text(samples)
        text = stack_batch_text(samples)
        data['inputs'] = (
            LayoutInputs(images, text['valid_shapes'], text['input_ids'],
                         text['bboxes'], text['attention_mask'])
            if text is not None else LayoutInputs(
                images, batch_valid_shapes(samples, images.device)))
        return data

    def _batch_pad_id(self, data_samples: Sequence[DetDataSample]) -> int:
        carried = [s.text.metainfo.get('pad_token_id') for s in data_samples]
        ids = set(carried) - {None}
        if self.pad_token_id is not None:
            ids.add(self.pad_token_id)
        if len(ids) != 1:
            raise ValueError(
                f'inconsistent text pad ids: data samples carry {carried}, '
                f'LayoutDataPreprocessor(pad_token_id={self.pad_token_id}); '
                'the tokenizer of OCRTokenLoad must be the model\'s')
        return ids.pop()

    def pad_text(self, data_samples: List[DetDataSample]) -> None:
        """Pad every sample's text to the longest of the batch, in place."""
        missing = [i for i, s in enumerate(data_samples) if 'text' not in s]
        if len(missing) == len(data_samples):
            return
        if missing:
            raise ValueError(
                f'data samples {missing} of the batch have no text while '
                'others have: every pipeline feeding a text-aware model needs '
                'OCRTokenLoad and PackLayoutInputs')
        pad_values = dict(PAD_VALUES, input_ids=self._batch_pad_id(
            data_samples))
        length = max(len(s.text.input_ids) for s in data_samples)
        for sample in data_samples:
            text = sample.text
            n = len(text.input_ids)
            padded = InstanceData(metainfo=text.metainfo)
            for key, value in text.items():
                if key == 'attention_mask':
                    continue
                field = value.new_full((length, ) + value.shape[1:],
                                       pad_values.get(key, 0))
                field[:n] = value
                padded.set_field(field, key)
            mask = torch.zeros(
                length, dtype=torch.bool, device=text.input_ids.device)
            mask[:n] = True
            padded.attention_mask = mask
            sample.text = padded
