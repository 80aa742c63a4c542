"""LayoutLMv3Output: what a text-aware backbone hands its neck and fusion."""
from typing import Optional, Sequence, Tuple

from torch import Tensor


class LayoutLMv3Output(tuple):
    """What :class:`~mmlayout.models.backbones.LayoutLMv3MM` (and
    :class:`~mmlayout.models.backbones.TwoStreamBackbone`) return: a tuple
    of visual maps.

    Iteration, indexing and ``len()`` see only the visual maps, so the
    output goes straight into any MMDetection neck. Text-aware consumers
    (e.g. ``TextBoxFusion``) read the text states from the attributes. Like
    any tuple, slicing or ``tuple(output)`` gives a plain tuple without
    them.

    Args:
        visual_maps (Sequence[Tensor]): One ``(B, C, H / 16, W / 16)`` map
            per output block.
        text_states (Sequence[Tensor], optional): One ``(B, L, C)`` tensor
            of text token states per output block; ``None`` without text.
        text_mask (Tensor, optional): ``(B, L)`` bool, ``True`` for real
            (non-padding) text tokens; ``None`` without text.
    """

    def __new__(cls,
                visual_maps: Sequence[Tensor],
                text_states: Optional[Sequence[Tensor]] = None,
                text_mask: Optional[Tensor] = None) -> 'LayoutLMv3Output':
        output = super().__new__(cls, visual_maps)
        output.text_states = (None if text_states is None else
                              tuple(text_states))
        output.text_mask = text_mask
        return output

    @property
    def visual_maps(self) -> Tuple[Tensor, ...]:
        """The visual maps as a plain tuple."""
        return tuple(self)

    def __repr__(self) -> str:
        maps = ', '.join(str(tuple(m.shape)) for m in self)
        text = ('None' if self.text_states is None else ', '.join(
            str(tuple(t.shape)) for t in self.text_states))
        return f'LayoutLMv3Output(visual_maps=[{maps}], text_states=[{text}])'
