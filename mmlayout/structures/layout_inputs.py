"""LayoutInputs: what a layout model gets from its data preprocessor."""
from typing import NamedTuple, Optional

from torch import Tensor


class LayoutInputs(NamedTuple):
    """A batch of pages: images, their valid shapes and, when the pipeline
    read OCR, their stacked text.

    :class:`LayoutDataPreprocessor` builds it once per batch and hands it to
    the model as ``inputs``; mmdet's ``loss``/``predict``/``_forward`` pass
    it unchanged to ``extract_feat`` (:class:`LayoutCascadeRCNN`), so the
    text reaches the backbone without any state on the model. A plain image
    tensor is accepted wherever a ``LayoutInputs`` is (no text, every image
    filling the canvas).

    Attributes:
        images (Tensor): ``(B, 3, H, W)`` normalised, padded images.
        valid_shapes (Tensor): ``(B, 2)`` long ``(h, w)`` of each page's
            content in the padded canvas (top-left).
        input_ids (Tensor, optional): ``(B, L)`` long token ids,
            ``<s> ... </s>`` then padding; None without text.
        bboxes (Tensor, optional): ``(B, L, 4)`` long boxes on the 0-1000
            grid of each page's content; None without text.
        attention_mask (Tensor, optional): ``(B, L)`` bool, True on real
            tokens; None without text.
    """
    images: Tensor
    valid_shapes: Tensor
    input_ids: Optional[Tensor] = None
    bboxes: Optional[Tensor] = None
    attention_mask: Optional[Tensor] = None

    @property
    def has_text(self) -> bool:
        """Whether the batch carries text."""
        return self.input_ids is not None
