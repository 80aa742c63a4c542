"""Page layout: header and footer, opening block, columns, whole pages."""
import random
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from PIL import Image

from . import blocks, decided, graphics
from .canvas import Block, Region
from .fonts import clip, text_width
from .page import Page

BlockBuilder = Callable[[Page, float, float], Optional[Block]]


@dataclass(frozen=True)
class Recipe:
    """What a page's body is made of.

    Attributes:
        builders: Block builders by kind; the first is the fallback when
            the drawn kind does not fit. Kind ``'heading'`` never follows
            itself.
        weights: How often each kind is drawn.
        spanning: Builders of a block spanning both columns at the top.
        reference_list: Whether the last column may end in a reference
            list.
    """
    builders: Mapping[str, BlockBuilder]
    weights: Sequence[float]
    spanning: Sequence[BlockBuilder]
    reference_list: bool


NORMAL = Recipe(
    builders=dict(
        paragraph=blocks.paragraph,
        heading=blocks.section_title,
        figure=graphics.figure,
        table=graphics.table,
        equation=blocks.equation),
    weights=(10, 2.5, 1.5, 1.2, 1.2),
    spanning=(graphics.figure, graphics.table),
    reference_list=True)
TEXT_DECIDED = Recipe(
    builders=dict(
        body=decided.text_or_reference,
        heading=decided.heading_or_line,
        float=decided.figure_or_table,
        equation=blocks.equation),
    weights=(10, 3, 2.7, 1.2),
    spanning=(decided.figure_or_table, ),
    reference_list=False)


def header_footer(page: Page, margin_x: float, top: float,
                  bottom: float) -> Tuple[float, float]:
    """Draw header and footer; return the body's top and bottom."""
    rng, canvas, font = page.rng, page.canvas, page.style.body_font
    size = max(7, page.style.body_size - 2)
    right = canvas.width - margin_x
    body_top, body_bottom = top, bottom
    if rng.random() < 0.85:
        journal = page.text.journal()
        extra = (f'Vol. {rng.randint(1, 60)}, No. {rng.randint(1, 12)}'
                 if page.lang == 'en' else
                 f'第{rng.randint(1, 60)}卷 第{rng.randint(1, 12)}期')
        left_box = canvas.put_text(margin_x, top, journal, font, size)
        canvas.add_region('Header', [left_box])
        if rng.random() < 0.7:
            w = text_width(font, size, extra)
            right_box = canvas.put_text(right - w, top, extra, font, size)
            canvas.add_region('Header', [right_box])
        rule_y = top + size * 1.6
        if rng.random() < 0.6:
            canvas.draw.line([(margin_x, rule_y), (right, rule_y)],
                             fill=canvas.ink,
                             width=1)
        body_top = rule_y + size * 1.5
    if rng.random() < 0.75:
        if rng.random() < 0.6:
            text = str(rng.randint(1, 400))
        elif page.lang == 'en':
            text = f'© {rng.randint(2000, 2025)} {page.text.journal()}'
        else:
            text = (f'收稿日期：{rng.randint(2000, 2025)}-'
                    f'{rng.randint(1, 12):02d}')
        w = text_width(font, size, text)
        x = (canvas.width - w) / 2 if rng.random() < 0.6 else margin_x
        box = canvas.put_text(x, bottom - size, text, font, size)
        canvas.add_region('Footer', [box])
        body_bottom = bottom - size * 2.5
    return body_top, body_bottom


def opening(page: Page, x: float, y: float, width: float) -> float:
    """Title, authors and abstract across the page; return the new y."""
    rng, style = page.rng, page.style
    size = int(style.body_size * rng.uniform(1.6, 2.1))
    num_lines = rng.choice([1, 2])
    title_lines = page.text.wrap(
        style.bold_font,
        size,
        width * 0.85,
        num_lines,
        last_fill=rng.uniform(0.5, 0.9))
    title_lines = [(0.0, t.rstrip('.。')) for _, t in title_lines]
    title = page.text_block(
        'Title',
        title_lines,
        style.bold_font,
        size,
        width,
        align='center',
        bold=True)
    title.paint(x, y)
    y += title.height + style.body_size
    sep = ', ' if page.lang == 'en' else '  '
    authors = sep.join(
        page.text.author() for _ in range(rng.randint(2, 5)))
    block = page.text_block(
        'Text', [(0.0, authors)],
        style.body_font,
        style.body_size,
        width,
        align='center')
    block.paint(x, y)
    y += block.height + style.body_size
    inset = width * 0.06
    size = style.body_size - 1
    lines = page.text.wrap(
        style.body_font,
        size,
        width - 2 * inset,
        rng.randint(3, 7),
        last_fill=rng.uniform(0.3, 0.9))
    prefix = 'Abstract: ' if page.lang == 'en' else '摘要：'
    lines[0] = (0.0, clip(prefix + lines[0][1], style.body_font, size,
                          width - 2 * inset))
    block = page.text_block('Text', lines, style.body_font, size,
                            width - 2 * inset)
    block.paint(x + inset, y)
    return y + block.height + style.body_size * 1.5


def fill_column(page: Page, recipe: Recipe, x: float, top: float,
                bottom: float, width: float, with_references: bool) -> None:
    """Stack blocks in a column from ``top`` until it is full."""
    rng = page.rng
    kinds = list(recipe.builders)
    gap = page.style.body_size * rng.uniform(0.6, 1.0)
    y = top
    previous = None
    while bottom - y > page.style.body_size * 2:
        if with_references and (bottom - y) < (bottom - top) * 0.45:
            block = blocks.references(page, width, bottom - y)
            if block:
                block.paint(x, y)
            return
        kind = rng.choices(kinds, recipe.weights)[0]
        if kind == previous == 'heading':
            kind = kinds[0]
        block = recipe.builders[kind](page, width, bottom - y)
        if block is None:
            kind = kinds[0]
            block = recipe.builders[kind](page, width, bottom - y)
        if block is None:
            return
        block.paint(x, y)
        y += block.height + gap
        previous = kind


def build(page: Page, recipe: Recipe) -> None:
    """Lay out and draw the whole page."""
    rng, canvas = page.rng, page.canvas
    margin_x = canvas.width * rng.uniform(0.06, 0.1)
    top = canvas.height * rng.uniform(0.035, 0.06)
    bottom = canvas.height * (1 - rng.uniform(0.035, 0.06))
    body_top, body_bottom = header_footer(page, margin_x, top, bottom)
    content_w = canvas.width - 2 * margin_x
    if rng.random() < 0.3:
        body_top = opening(page, margin_x, body_top, content_w)
    columns = 2 if rng.random() < 0.55 else 1
    col_gap = canvas.width * 0.04
    col_w = (content_w - col_gap * (columns - 1)) / columns
    if columns == 2 and rng.random() < 0.25:
        spanning = rng.choice(recipe.spanning)(
            page, content_w, (body_bottom - body_top) * 0.45)
        if spanning:
            spanning.paint(margin_x, body_top)
            body_top += spanning.height + page.style.body_size * 1.2
    with_references = recipe.reference_list and rng.random() < 0.2
    for c in range(columns):
        fill_column(page, recipe, margin_x + c * (col_w + col_gap), body_top,
                    body_bottom, col_w, with_references and c == columns - 1)


def render_page(seed: int,
                index: int,
                lang: str,
                width: int,
                text_decided: bool = False,
                font_scale: float = 1.0
                ) -> Tuple[Image.Image, List[Region], List[dict]]:
    """Render page ``index`` of ``seed``.

    Args:
        seed (int): The run's seed; page ``index`` draws from its own
            generator seeded with ``(seed, index)``.
        index (int): The page's number in the run.
        lang (str): ``'zh'``, ``'en'`` or ``'mix'`` (each page either).
        width (int): Page width in pixels.
        text_decided (bool): Make look-alike pairs that only the words
            tell apart (see :mod:`.decided`). Defaults to False.
        font_scale (float): Type size relative to the usual (2: large
            print, fewer and larger regions). Defaults to 1.

    Returns:
        tuple: (PIL image, list of :class:`Region`, list of OCR line dicts).
    """
    rng = random.Random(f'{seed}:{index}')
    page_lang = rng.choice(['zh', 'en']) if lang == 'mix' else lang
    page = Page(rng, page_lang, width, font_scale)
    build(page, TEXT_DECIDED if text_decided else NORMAL)
    return page.canvas.image, page.canvas.regions, page.canvas.lines
