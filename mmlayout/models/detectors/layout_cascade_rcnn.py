"""LayoutCascadeRCNN: a two-stage detector whose backbone also reads text."""
from typing import Tuple, Union

from mmdet.models.detectors import CascadeRCNN
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType
from torch import Tensor

from ...structures import LayoutInputs, word_token_mask
from ..utils import decode_boxes_in_float32, reads_text


@MODELS.register_module()
class LayoutCascadeRCNN(CascadeRCNN):
    """mmdet's two-stage detector fed with the page's text.

    Feature extraction passes the batch's text (stacked by
    :class:`LayoutDataPreprocessor` into the :class:`LayoutInputs` that
    mmdet's ``loss``, ``predict`` and ``_forward`` hand to
    :meth:`extract_feat`) to a text-aware backbone such as
    :class:`LayoutLMv3MM`, then lets an optional ``fusion`` module (e.g.
    :class:`TextBoxFusion`) add the text states into the visual maps under
    their boxes, then runs the neck::

        images, text -> backbone -> (fusion) -> neck -> RPN + RoI heads

    Everything after the neck is mmdet's: with ``roi_head`` a
    ``CascadeRoIHead`` this is Cascade R-CNN, with a ``StandardRoIHead``
    Faster R-CNN, with mask heads Cascade Mask R-CNN - a config change.

    Each image's valid shape (its content in the padded batch) goes to the
    backbone, so a page is encoded in its own frame whatever its batch
    neighbours (see :class:`LayoutLMv3MM`). A backbone that does not read
    text (``reads_text`` False: ``image_only``, or any mmdet image backbone)
    gets the images and valid shapes only, and no fusion may be configured
    for it.

    Under autocast (``--amp``) the heads' layers run in the reduced
    precision and hand float32 scores and deltas to box decoding, so the
    boxes and predictions are float32 (:func:`decode_boxes_in_float32`).

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
        decode_boxes_in_float32(self)

    @property
    def with_fusion(self) -> bool:
        """Whether text states are fused into the visual maps."""
        return self.fusion is not None

    def extract_feat(
            self, batch_inputs: Union[LayoutInputs,
                                      Tensor]) -> Tuple[Tensor, ...]:
        """Backbone (with the batch's text), fusion and neck.

        Args:
            batch_inputs (LayoutInputs | Tensor): The batch from
                :class:`LayoutDataPreprocessor`, or images ``(B, 3, H, W)``
                alone (no text, no valid shapes).

        Returns:
            tuple[Tensor]: The neck's multi-level maps, each a contiguous
            ``(B, C, H_l, W_l)``.
        """
        if isinstance(batch_inputs, Tensor):
            batch_inputs = LayoutInputs(batch_inputs, None)
        images = batch_inputs.images
        valid_shapes = (
            batch_inputs.valid_shapes if self.pass_valid_shapes else None)
        if batch_inputs.has_text and reads_text(self.backbone):
            features = self.backbone(images, batch_inputs.input_ids,
                                     batch_inputs.bboxes,
                                     batch_inputs.attention_mask,
                                     valid_shapes)
        elif valid_shapes is None:
            features = self.backbone(images)
        else:
            features = self.backbone(images, valid_shapes=valid_shapes)
        if self.with_fusion and getattr(features, 'text_states', None):
            features = self.fusion(
                features, features.text_states, batch_inputs.bboxes,
                word_token_mask(batch_inputs.attention_mask),
                batch_inputs.valid_shapes)
        if self.with_neck:
            features = self.neck(features)
        # A ViT backbone's maps are channels-last views of its token
        # states, and convolutions keep that layout; mmcv's compiled RoI
        # ops need contiguous maps (mmlayout/utils/mmcv_contiguous.py).
        # One copy here serves the RPN and every RoI stage, where the ops'
        # own guard would copy each level once per stage.
        return tuple(level.contiguous() for level in features)
