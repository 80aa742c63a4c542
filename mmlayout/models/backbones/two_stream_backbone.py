"""TwoStreamBackbone: the maps of an image backbone, the text states of a
text-aware encoder."""
from typing import Optional

from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from ...structures import LayoutLMv3Output
from ..utils import reads_text


@MODELS.register_module()
class TwoStreamBackbone(BaseModule):
    """An image backbone for the visual maps and a text-aware encoder for
    the text states, side by side.

    The image stream is any mmdet backbone (e.g. ``ResNet``, whose maps
    have strides 4 to 32); the text stream is a :class:`LayoutLMv3MM` that
    reads the page's image and text and of which only the text states are
    kept. With :class:`TextBoxFusion` (one ``stride`` per level) the text
    then reaches the image backbone's maps under the words' boxes::

        images -----------------> image_backbone -> maps ---> fusion
        images, text -> text_encoder -> text states ---------^

    This is how a detector whose image backbone learns from scratch (a CNN)
    can be made text-aware without a pretrained LayoutLMv3.

    Args:
        image_backbone (dict): Config of the image backbone; its outputs
            are the visual maps.
        text_encoder (dict): Config of a :class:`LayoutLMv3MM`-like encoder
            taking ``(images, input_ids, bboxes, attention_mask,
            valid_shapes)`` and returning ``text_states``; it must give one
            text state per visual map.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    image_only = False
    reads_text = True

    def __init__(self,
                 image_backbone: ConfigType,
                 text_encoder: ConfigType,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.image_backbone = MODELS.build(image_backbone)
        self.text_encoder = MODELS.build(text_encoder)
        if not reads_text(self.text_encoder):
            raise ValueError('text_encoder is image_only: it would give no '
                             'text states')

    def forward(self,
                images: Tensor,
                input_ids: Optional[Tensor] = None,
                bboxes: Optional[Tensor] = None,
                attention_mask: Optional[Tensor] = None,
                valid_shapes: Optional[Tensor] = None) -> LayoutLMv3Output:
        """Visual maps of the image backbone, text states of the encoder.

        Args:
            images (Tensor): Shape ``(B, 3, H, W)``.
            input_ids (Tensor, optional): Text token ids, ``(B, L)``; None
                runs the image backbone only.
            bboxes (Tensor, optional): ``(B, L, 4)`` token boxes on the
                0-1000 grid of each image's valid area.
            attention_mask (Tensor, optional): ``(B, L)``, 1 for real tokens.
            valid_shapes (Tensor, optional): ``(B, 2)`` integer ``(h, w)``
                of each image's content in pixels.

        Returns:
            LayoutLMv3Output: The image backbone's maps, with the encoder's
            ``text_states`` (``(B, L, C)`` each) and ``text_mask`` when text
            was given.

        Raises:
            ValueError: If the encoder gives a different number of text
                states than the image backbone gives maps.
        """
        visual_maps = self.image_backbone(images)
        if input_ids is None:
            return LayoutLMv3Output(visual_maps)
        encoded = self.text_encoder(images, input_ids, bboxes, attention_mask,
                                    valid_shapes)
        if len(encoded.text_states) != len(visual_maps):
            raise ValueError(
                f'text_encoder gives {len(encoded.text_states)} text states '
                f'but image_backbone {len(visual_maps)} maps: set the '
                f"encoder's out_indices to one block per map")
        return LayoutLMv3Output(visual_maps, encoded.text_states,
                                encoded.text_mask)
