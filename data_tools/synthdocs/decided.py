"""Blocks of text-decided pages: look-alike pairs that only words separate.

Each builder first draws which member of its pair it makes, then builds it
with the same random draws and the same drawing code for either member:

* :func:`text_or_reference` a paragraph of sentences (Text) or one
  numbered reference entry (Reference), typeset identically;
* :func:`heading_or_line` a one-line block in body type: a numbered section
  heading (Title) or a short sentence fragment (Text);
* :func:`figure_or_table` a neutral placeholder graphic with a caption; the
  caption's words (``Figure 3.``/``图3`` or ``Table 3.``/``表3``) decide
  whether graphic and caption are Figure and Figure caption or Table and
  Table caption.
"""
from typing import Optional

from .blocks import body_block, caption, section_number
from .canvas import Block
from .fonts import clip
from .graphics import draw_placeholder
from .page import Page

# Text blocks are at most this many lines, so that paragraphs and reference
# entries share one distribution of heights.
MAX_BODY_LINES = 6


def text_or_reference(page: Page, width: float,
                      max_height: float) -> Optional[Block]:
    """A paragraph or a reference entry, equally likely, alike in look."""
    label = 'Reference' if page.rng.random() < 0.5 else 'Text'
    return body_block(page, label, width, max_height, MAX_BODY_LINES)


def one_line_block(page: Page, label: str, width: float,
                   max_height: float) -> Optional[Block]:
    """One line in body type, no indent: a section heading if ``label`` is
    ``'Title'`` (``3.2 Ablation Study``), else a sentence fragment."""
    style = page.style
    if style.body_size * style.leading > max_height:
        return None
    if label == 'Title':
        text = f'{section_number(page)} {page.text.section_name()}'
    else:
        text = page.text.fragment()
    text = clip(text, style.body_font, style.body_size, width, keep=4)
    return page.text_block(label, [(0.0, text)], style.body_font,
                           style.body_size, width)


def heading_or_line(page: Page, width: float,
                    max_height: float) -> Optional[Block]:
    """A section heading or a short line of text, equally likely."""
    label = 'Title' if page.rng.random() < 0.5 else 'Text'
    return one_line_block(page, label, width, max_height)


def captioned_placeholder(page: Page, kind: str, width: float,
                          max_height: float) -> Optional[Block]:
    """A placeholder graphic labelled ``kind`` (``'Figure'``/``'Table'``)
    and its caption, below or above it by the same rule for both kinds."""
    rng = page.rng
    box_w = width * rng.uniform(0.6, 1.0)
    box_h = box_w * rng.uniform(0.4, 0.8)
    words = caption(page, kind, width)
    gap = page.style.body_size * 0.6
    caption_above = rng.random() < 0.3
    height = box_h + gap + words.height
    if height > max_height:
        return None

    def paint(x, y):
        if caption_above:
            words.paint(x, y)
            y += words.height + gap
        bx = x + (width - box_w) / 2
        box = (bx, y, bx + box_w, y + box_h)
        draw_placeholder(page, box)
        page.canvas.add_region(kind, [box], pad=1)
        if not caption_above:
            words.paint(x, y + box_h + gap)

    return Block(height, paint)


def figure_or_table(page: Page, width: float,
                    max_height: float) -> Optional[Block]:
    """A captioned placeholder: a Figure or a Table, equally likely."""
    kind = 'Figure' if page.rng.random() < 0.5 else 'Table'
    return captioned_placeholder(page, kind, width, max_height)
