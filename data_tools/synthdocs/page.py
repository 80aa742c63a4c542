"""One page's shared state: what every block builder draws with."""
import random
from dataclasses import dataclass
from typing import List, Optional

from .canvas import Block, Canvas
from .fonts import text_width
from .text import Line, Writer


@dataclass(frozen=True)
class Style:
    """A page's typography: body font and size, line spacing."""
    body_size: int
    leading: float
    body_font: str
    bold_font: str

    @classmethod
    def draw(cls,
             rng: random.Random,
             lang: str,
             width: int,
             font_scale: float = 1.0) -> 'Style':
        """A random style for a ``lang`` page ``width`` pixels wide, type
        ``font_scale`` times the usual size."""
        scale = width / 720 * font_scale
        body_size = max(8, int(round(rng.uniform(11, 13.5) * scale)))
        leading = rng.uniform(1.35, 1.7)
        body_font = 'cjk' if lang == 'zh' else rng.choice(['serif', 'sans'])
        bold_font = 'cjk' if lang == 'zh' else f'{body_font}-bold'
        return cls(body_size, leading, body_font, bold_font)


@dataclass
class Numbering:
    """The last figure, table, equation, section and reference numbers."""
    figure: int
    table: int
    equation: int
    section: int
    reference: Optional[int] = None  # drawn when first needed

    @classmethod
    def draw(cls, rng: random.Random) -> 'Numbering':
        """Random numbers to start from, as if earlier pages came first."""
        figure = rng.randint(1, 6)
        table = rng.randint(1, 4)
        equation = rng.randint(1, 12)
        return cls(figure, table, equation, rng.randint(1, 5))

    def next(self, kind: str) -> int:
        """Advance the counter ``kind`` (``'figure'`` ...) and return it."""
        setattr(self, kind, getattr(self, kind) + 1)
        return getattr(self, kind)


class Page:
    """Everything the builders of one page share.

    Args:
        rng (random.Random): The page's own random generator.
        lang (str): ``'zh'`` or ``'en'`` for this page.
        width (int): Page width in pixels; the height follows A4's ratio.
        font_scale (float): Type size (and the spacing that follows it)
            relative to the usual. Defaults to 1.
    """

    def __init__(self,
                 rng: random.Random,
                 lang: str,
                 width: int,
                 font_scale: float = 1.0):
        self.rng = rng
        self.lang = lang
        self.canvas = Canvas(rng, width)
        self.style = Style.draw(rng, lang, width, font_scale)
        self.numbers = Numbering.draw(rng)
        self.text = Writer(rng, lang)

    def text_block(self,
                   label: str,
                   lines: List[Line],
                   font: str,
                   size: int,
                   width: float,
                   align: str = 'left',
                   bold: bool = False,
                   group: Optional[int] = None,
                   hanging: float = 0.0) -> Block:
        """A block of prepared lines, annotated as one ``label`` region.

        Lines are ``size * leading`` apart; lines after the first are
        indented by ``hanging``; ``align='center'`` centres each line.
        """
        line_h = size * self.style.leading
        canvas = self.canvas

        def paint(x, y):
            boxes = []
            for i, (indent, text) in enumerate(lines):
                shift = indent + (hanging if i > 0 else 0)
                if align == 'center':
                    shift = (width - text_width(font, size, text)) / 2
                boxes.append(
                    canvas.put_text(x + shift, y + i * line_h, text, font,
                                    size, bold))
            canvas.add_region(label, boxes, group)

        return Block(len(lines) * line_h, paint)
