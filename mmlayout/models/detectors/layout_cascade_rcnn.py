"""LayoutCascadeRCNN: a two-stage detector whose backbone also reads text."""
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple

from mmdet.models.detectors import CascadeRCNN
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType
from torch import Tensor

from ...structures import (batch_valid_shapes, stack_batch_text,
                           word_token_mask)
from ..utils import reads_text


@MODELS.register_module()
class LayoutCascadeRCNN(CascadeRCNN):
    """mmdet's two-stage detector fed with the page's text.

    Feature extraction passes the packed text of the data samples (from
    :class:`PackLayoutInputs` and :class:`LayoutDataPreprocessor`) to a
    text-aware backbone such as :class:`LayoutLMv3MM`, then lets an optional
    ``fusion`` module (e.g. :class:`TextBoxFusion`) add the text states into
    the visual maps under their boxes, then runs the neck::

        images, text -> backbone -> (fusion) -> neck -> RPN + RoI heads

    Everything after the neck is mmdet's: with ``roi_head`` a
    ``CascadeRoIHead`` this is Cascade R-CNN, with a ``StandardRoIHead``
    Faster R-CNN, with mask heads Cascade Mask R-CNN - a config change.

    Each image's valid shape (its content in the padded batch) goes to the
    backbone, so a page is encoded in its own frame whatever its batch
    neighbours (see :class:`LayoutLMv3MM`). An image-only backbone gets the
    images and valid shapes only, and no fusion may be configured for it.

    ``loss``, ``predict`` and ``_forward`` are mmdet's; they hold the
    batch's data samples in :meth:`_batch` while they run, so that
    :meth:`extract_feat` (called by them with the images alone) can read the
    text.

    Args:
        backbone (dict): A backbone that takes ``(images, input_ids,
            bboxes, attention_mask, valid_shapes)``, such as LayoutLMv3MM.
        fusion (dict, optional): Module combining the backbone's text states
            with its maps, e.g. ``dict(type='TextBoxFusion', ...)``; None
            for none.
        pass_valid_shapes (bool): Give the backbone each image's valid
            shape (per-image frames). False reproduces a backbone that sees
            only the padded canvas; without text, the backbone then gets
            the images alone, so any mmdet backbone (e.g. ``ResNet``) fits.
            Defaults to True.
        **kwargs: ``neck``, ``rpn_head``, ``roi_head``, ``train_cfg``,
            ``test_cfg``, ``data_preprocessor``, ``init_cfg`` as for mmdet's
            ``CascadeRCNN``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 fusion: OptConfigType = None,
                 pass_valid_shapes: bool = True,
                 **kwargs) -> None:
        super().__init__(backbone=backbone, **kwargs)
        if fusion is not None and not reads_text(self.backbone):
            raise ValueError(
                'a fusion module needs text states, but the backbone does '
                'not read text (image_only, or an image backbone): set '
                'fusion=None or image_only=False')
        self.fusion = None if fusion is None else MODELS.build(fusion)
        self.pass_valid_shapes = pass_valid_shapes
        self._data_samples: Optional[SampleList] = None

    @property
    def with_fusion(self) -> bool:
        """Whether text states are fused into the visual maps."""
        return self.fusion is not None

    @contextmanager
    def _batch(self, data_samples: Optional[SampleList]) -> Iterator[None]:
        """Hold the batch's data samples while mmdet's code runs."""
        self._data_samples = data_samples
        try:
            yield
        finally:
            self._data_samples = None

    def extract_feat(self, batch_inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone (with the batch's text), fusion and neck.

        Args:
            batch_inputs (Tensor): Images ``(B, 3, H, W)``.

        Returns:
            tuple[Tensor]: The neck's multi-level maps.
        """
        samples = self._data_samples
        text = None if samples is None else stack_batch_text(samples)
        valid_shapes = None
        if samples is not None and self.pass_valid_shapes:
            valid_shapes = (
                text['valid_shapes'] if text is not None else
                batch_valid_shapes(samples, batch_inputs.device))
        if text is None or not reads_text(self.backbone):
            features = (
                self.backbone(batch_inputs) if valid_shapes is None else
                self.backbone(batch_inputs, valid_shapes=valid_shapes))
        else:
            features = self.backbone(batch_inputs, text['input_ids'],
                                     text['bboxes'], text['attention_mask'],
                                     valid_shapes)
        if self.with_fusion and getattr(features, 'text_states', None):
            features = self.fusion(
                features, features.text_states, text['bboxes'],
                word_token_mask(text['attention_mask']),
                text['valid_shapes'])
        if self.with_neck:
            features = self.neck(features)
        return features

    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> dict:
        """Losses of mmdet's detector, with the text of the samples."""
        with self._batch(batch_data_samples):
            return super().loss(batch_inputs, batch_data_samples)

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Predictions of mmdet's detector, with the text of the samples."""
        with self._batch(batch_data_samples):
            return super().predict(batch_inputs, batch_data_samples, rescale)

    def _forward(self,
                 batch_inputs: Tensor,
                 batch_data_samples: Optional[SampleList] = None
                 ) -> List[Tensor]:
        """Raw head outputs, with the text of the samples."""
        with self._batch(batch_data_samples):
            return super()._forward(batch_inputs, batch_data_samples)
