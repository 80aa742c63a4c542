"""Text blocks: paragraphs, section titles, captions, equations, references.

Every builder takes the :class:`~.page.Page`, the width it may use and the
height left, and returns a :class:`~.canvas.Block` (or None if it does not
fit); nothing is drawn until the block is painted.
"""
from typing import Optional

from .canvas import Block
from .fonts import clip, text_width
from .page import Page
from .vocab import MATH_FUNCTIONS, MATH_OPERATORS, MATH_SYMBOLS


def body_block(page: Page,
               label: str,
               width: float,
               max_height: float,
               max_lines: int = 12) -> Optional[Block]:
    """A body-text block of 2 to ``max_lines`` lines.

    ``label`` ``'Text'`` fills it with sentences; ``'Reference'`` with one
    numbered reference entry, set exactly like the paragraph: same font,
    size, spacing, indentation and line filling.
    """
    rng, style = page.rng, page.style
    size = style.body_size
    fit = int(max_height // (size * style.leading))
    num_lines = min(rng.randint(2, max_lines), fit)
    if num_lines < 2:
        return None
    indent = size * (2 if page.lang == 'zh' else 1.5)
    first_indent = indent * (rng.random() < 0.8)
    last_fill = rng.uniform(0.2, 0.95)
    if label == 'Reference':
        numbers = page.numbers
        if numbers.reference is None:
            numbers.reference = rng.randint(0, 30)
        lines = page.text.reference(
            numbers.next('reference'), style.body_font, size, width,
            num_lines, first_indent, last_fill)
    else:
        lines = page.text.wrap(style.body_font, size, width, num_lines,
                               first_indent, last_fill)
    return page.text_block(label, lines, style.body_font, size, width)


def paragraph(page: Page, width: float,
              max_height: float) -> Optional[Block]:
    """A paragraph of 2-12 lines of sentences."""
    return body_block(page, 'Text', width, max_height)


def section_number(page: Page) -> str:
    """The next section number: ``3``, or a subsection like ``3.2``."""
    number = f'{page.numbers.next("section")}'
    if page.rng.random() < 0.4:
        number += f'.{page.rng.randint(1, 4)}'
    return number


def section_title(page: Page, width: float,
                  max_height: float) -> Optional[Block]:
    """A numbered section title in bold, larger than the body text."""
    rng, style = page.rng, page.style
    size = int(style.body_size * rng.uniform(1.1, 1.4))
    if size * style.leading > max_height:
        return None
    number = section_number(page)
    words = page.text.words(
        rng.randint(2, 6) if page.lang == 'en' else rng.randint(3, 9))
    title = ' '.join(words).title() if page.lang == 'en' else ''.join(words)
    text = clip(f'{number} {title}', style.bold_font, size, width, keep=4)
    return page.text_block(
        'Title', [(0.0, text)], style.bold_font, size, width, bold=True)


def caption(page: Page, kind: str, width: float) -> Block:
    """The caption of a ``'Figure'`` or a ``'Table'``.

    Both kinds share one style (size, wrapping, alignment) and draw the
    same random numbers; only the prefix (``Figure 3.``, ``表2``) and the
    label differ.
    """
    rng, style = page.rng, page.style
    size = max(8, style.body_size - 1)
    number = page.numbers.next(kind.lower())
    if page.lang == 'en':
        prefix = f'{kind} {number}.'
    else:
        prefix = f'{"图" if kind == "Figure" else "表"}{number}'
    num_lines = rng.choice([1, 1, 1, 2, 2, 3])
    lines = page.text.wrap(
        style.body_font,
        size,
        width * 0.95,
        num_lines,
        last_fill=rng.uniform(0.3, 0.9))
    lines[0] = (0.0, f'{prefix} {lines[0][1]}')
    centred = num_lines == 1 and rng.random() < 0.7
    # Trim a first line that the prefix pushed over the width.
    lines[0] = (0.0, clip(lines[0][1], style.body_font, size, width))
    return page.text_block(
        f'{kind} caption',
        lines,
        style.body_font,
        size,
        width,
        align='center' if centred else 'left')


def equation(page: Page, width: float,
             max_height: float) -> Optional[Block]:
    """A centred one-line formula with its number on the right."""
    rng = page.rng
    size = page.style.body_size + 1
    line_h = size * 2.2
    if line_h > max_height:
        return None
    parts = [rng.choice(MATH_SYMBOLS), ' = ']
    for i in range(rng.randint(2, 5)):
        if i:
            parts.append(rng.choice(MATH_OPERATORS))
        if rng.random() < 0.4:
            parts.append(f'{rng.choice(MATH_FUNCTIONS)}('
                         f'{rng.choice(MATH_SYMBOLS)}'
                         f'{rng.choice(MATH_OPERATORS).strip()}'
                         f'{rng.choice(MATH_SYMBOLS)})')
        else:
            parts.append(
                rng.choice(MATH_SYMBOLS) + rng.choice(
                    ['', '²', '₁', 'ᵢ', 'ⱼ', '/2', f'{rng.randint(2, 9)}']))
    formula = clip(''.join(parts), 'serif-italic', size, width * 0.8)
    number = f'({page.numbers.next("equation")})'
    canvas = page.canvas

    def paint(x, y):
        fx = x + (width - text_width('serif-italic', size, formula)) / 2
        box = canvas.put_text(fx, y + size * 0.6, formula, 'serif-italic',
                              size)
        canvas.add_region('Equation', [box])
        canvas.put_text(x + width - text_width('serif', size, number) - 2,
                        y + size * 0.6, number, 'serif', size)

    return Block(line_h, paint)


def references(page: Page, width: float,
               max_height: float) -> Optional[Block]:
    """A titled reference list: ``[n]`` entries with a hanging indent."""
    rng, style = page.rng, page.style
    size = max(8, style.body_size - 1)
    heading = ('References' if page.lang == 'en' else '参考文献')
    title = page.text_block(
        'Title', [(0.0, heading)], style.bold_font, size + 2, width, bold=True)
    line_h = size * style.leading
    entries = []
    used = title.height
    group = page.canvas.new_group()
    start = rng.randint(1, 30)
    while True:
        num_lines = rng.choice([1, 2, 2, 3])
        if used + num_lines * line_h + size * 0.4 > max_height:
            break
        lines = page.text.wrap(
            style.body_font,
            size,
            width - size * 2,
            num_lines,
            last_fill=rng.uniform(0.3, 0.9))
        marker = f'[{start + len(entries)}]'
        lines[0] = (0.0, f'{marker} {page.text.citation()}' if len(lines)
                    == 1 else f'{marker} {lines[0][1]}')
        lines[0] = (0.0, clip(lines[0][1], style.body_font, size, width))
        entries.append(
            page.text_block(
                'Reference',
                lines,
                style.body_font,
                size,
                width,
                group=group,
                hanging=size * 2))
        used += num_lines * line_h + size * 0.4
        if len(entries) >= rng.randint(3, 14):
            break
    if not entries:
        return None

    def paint(x, y):
        title.paint(x, y)
        cursor = y + title.height
        for entry in entries:
            entry.paint(x, cursor)
            cursor += entry.height + size * 0.4

    return Block(used, paint)
