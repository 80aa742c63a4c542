"""The page image, and the OCR lines and layout regions drawn on it."""
import math
import random
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

from PIL import Image, ImageDraw

from .fonts import load_font

Box = Tuple[float, float, float, float]
Painter = Callable[[float, float], None]  # paints a block at (x, y)


@dataclass
class Region:
    """One annotated layout region (CDLA class name, pixel box).

    Regions sharing a ``group`` (the entries of one reference list) become
    one region in schemes that annotate the group as a whole.
    """
    label: str
    box: Box
    group: Optional[int] = None


@dataclass
class Block:
    """A planned block: its height, and how to paint it at (x, y)."""
    height: float
    paint: Painter


class Canvas:
    """A blank page (A4's aspect ratio) that records what is drawn on it.

    Args:
        rng (random.Random): Draws the paper and ink colours.
        width (int): Page width in pixels.

    Attributes:
        image (PIL.Image.Image): The page.
        draw (PIL.ImageDraw.ImageDraw): Draws on ``image``.
        ink (tuple): The colour of text and lines.
        regions (list[Region]): The annotated regions, in drawing order.
        lines (list[dict]): The OCR lines (text, box, score, quad).
    """

    def __init__(self, rng: random.Random, width: int):
        self.width = width
        self.height = int(round(width * math.sqrt(2)))
        paper = rng.randint(242, 255)
        self.image = Image.new(
            'RGB', (self.width, self.height),
            (paper, paper, max(paper - rng.randint(0, 8), 0)))
        self.draw = ImageDraw.Draw(self.image)
        self.ink = (rng.randint(0, 40), ) * 3
        self.regions: List[Region] = []
        self.lines: List[dict] = []
        self._groups = 0

    def new_group(self) -> int:
        """A fresh id for regions annotated together in some schemes."""
        self._groups += 1
        return self._groups - 1

    def put_text(self,
                 x: float,
                 y: float,
                 text: str,
                 font: str,
                 size: int,
                 bold: bool = False) -> Box:
        """Draw one text line; record it as an OCR line; return its box."""
        stroke = 1 if bold and font == 'cjk' else 0
        pil_font = load_font(font, size)
        self.draw.text((x, y),
                       text,
                       font=pil_font,
                       fill=self.ink,
                       stroke_width=stroke,
                       stroke_fill=self.ink)
        x0, y0, x1, y1 = self.draw.textbbox((x, y),
                                            text,
                                            font=pil_font,
                                            stroke_width=stroke)
        box = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        self.lines.append(
            dict(
                text=text,
                box=[round(v, 1) for v in box],
                score=1.0,
                quad=[[box[0], box[1]], [box[2], box[1]], [box[2], box[3]],
                      [box[0], box[3]]]))
        return box

    def add_region(self,
                   label: str,
                   boxes: Sequence[Box],
                   group: Optional[int] = None,
                   pad: float = 2.0) -> None:
        """Annotate the union of ``boxes``, padded, clipped to the page."""
        x0 = min(b[0] for b in boxes) - pad
        y0 = min(b[1] for b in boxes) - pad
        x1 = max(b[2] for b in boxes) + pad
        y1 = max(b[3] for b in boxes) + pad
        box = (max(x0, 0), max(y0, 0), min(x1, self.width - 1),
               min(y1, self.height - 1))
        self.regions.append(Region(label, box, group))
