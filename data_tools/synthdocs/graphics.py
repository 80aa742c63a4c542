"""Graphics: figures (plots, bars, diagrams, photos), tables, placeholders.

Drawing functions take the :class:`~.page.Page` and the pixel box to fill;
:func:`figure` and :func:`table` are block builders like those of
:mod:`.blocks`, with their captions.
"""
from typing import Optional

from .blocks import caption
from .canvas import Block, Box
from .fonts import clip
from .page import Page


def draw_plot(page: Page, box: Box) -> None:
    """A line chart: axes with tick labels and 1-3 random series."""
    rng, draw, ink = page.rng, page.canvas.draw, page.canvas.ink
    put_text = page.canvas.put_text
    x0, y0, x1, y1 = box
    size = max(7, page.style.body_size - 3)
    ax0, ay0 = x0 + size * 3.5, y0 + size
    ax1, ay1 = x1 - size, y1 - size * 2.5
    draw.line([(ax0, ay0), (ax0, ay1), (ax1, ay1)], fill=ink, width=1)
    for i in range(5):
        tx = ax0 + (ax1 - ax0) * i / 4
        ty = ay1 - (ay1 - ay0) * i / 4
        draw.line([(tx, ay1), (tx, ay1 + 3)], fill=ink)
        draw.line([(ax0 - 3, ty), (ax0, ty)], fill=ink)
        put_text(tx - size, ay1 + 4, f'{i * 25}', 'sans', size)
        put_text(x0 + 2, ty - size / 2, f'{i / 4:.2f}', 'sans', size)
    colours = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14)]
    for series in range(rng.randint(1, 3)):
        level = rng.uniform(0.2, 0.8)
        points = []
        for i in range(20):
            level = min(max(level + rng.uniform(-0.08, 0.1), 0.02), 0.98)
            points.append(
                (ax0 + (ax1 - ax0) * i / 19, ay1 - (ay1 - ay0) * level))
        draw.line(points, fill=colours[series], width=2)


def draw_bars(page: Page, box: Box) -> None:
    """A bar chart with lettered bars."""
    rng, draw, ink = page.rng, page.canvas.draw, page.canvas.ink
    x0, y0, x1, y1 = box
    size = max(7, page.style.body_size - 3)
    base = y1 - size * 2
    draw.line([(x0 + 4, base), (x1 - 4, base)], fill=ink)
    count = rng.randint(3, 8)
    step = (x1 - x0 - 8) / count
    colour = (rng.randint(40, 200), rng.randint(40, 200),
              rng.randint(40, 200))
    for i in range(count):
        top = base - (base - y0 - 4) * rng.uniform(0.15, 1.0)
        bx = x0 + 4 + i * step
        draw.rectangle([bx + step * 0.15, top, bx + step * 0.85, base],
                       fill=colour,
                       outline=ink)
        page.canvas.put_text(bx + step * 0.3, base + 3, f'{chr(65 + i)}',
                             'sans', size)


def draw_diagram(page: Page, box: Box) -> None:
    """A pipeline diagram: 2-4 labelled boxes joined by arrows."""
    rng, draw, ink = page.rng, page.canvas.draw, page.canvas.ink
    x0, y0, x1, y1 = box
    size = max(7, page.style.body_size - 2)
    count = rng.randint(2, 4)
    step = (x1 - x0) / count
    mid = (y0 + y1) / 2
    fill = (rng.randint(200, 245), rng.randint(200, 245),
            rng.randint(200, 245))
    for i in range(count):
        bx0 = x0 + i * step + step * 0.12
        bx1 = x0 + (i + 1) * step - step * 0.12
        draw.rounded_rectangle([bx0, mid - size * 2, bx1, mid + size * 2],
                               radius=4,
                               fill=fill,
                               outline=ink)
        label = page.text.sentence(1 if page.lang == 'en' else 2)[:10]
        page.canvas.put_text(bx0 + 4, mid - size / 2, label,
                             page.style.body_font, size)
        if i:
            draw.line([(bx0 - step * 0.24, mid), (bx0, mid)],
                      fill=ink,
                      width=2)
            draw.polygon([(bx0, mid), (bx0 - 6, mid - 4), (bx0 - 6, mid + 4)],
                         fill=ink)


def draw_photo(page: Page, box: Box) -> None:
    """A 'photo': a grey field with random coloured discs."""
    rng, draw = page.rng, page.canvas.draw
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(rng.randint(60, 200), ) * 3)
    for _ in range(rng.randint(4, 12)):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        r = rng.uniform(0.05, 0.3) * (x1 - x0)
        colour = (rng.randint(0, 255), rng.randint(0, 255),
                  rng.randint(0, 255))
        draw.ellipse([
            max(cx - r, x0),
            max(cy - r, y0),
            min(cx + r, x1),
            min(cy + r, y1)
        ],
                     fill=colour)


def draw_placeholder(page: Page, box: Box) -> None:
    """A neutral framed box standing for any graphic, figure or table.

    Its look (shade, frame, crossed or double frame) is random but never
    depends on what the box will be labelled.
    """
    rng, draw, ink = page.rng, page.canvas.draw, page.canvas.ink
    x0, y0, x1, y1 = box
    shade = rng.randint(200, 248)
    draw.rectangle(box,
                   fill=(shade, shade, shade - rng.randint(0, 12)),
                   outline=ink,
                   width=rng.choice([1, 1, 2]))
    pattern = rng.choice(['plain', 'cross', 'double'])
    if pattern == 'cross':
        draw.line([(x0, y0), (x1, y1)], fill=ink)
        draw.line([(x0, y1), (x1, y0)], fill=ink)
    elif pattern == 'double':
        inset = rng.uniform(3, 6)
        draw.rectangle([x0 + inset, y0 + inset, x1 - inset, y1 - inset],
                       outline=ink)


FIGURE_PAINTERS = (draw_plot, draw_bars, draw_diagram, draw_photo)


def figure(page: Page, width: float, max_height: float) -> Optional[Block]:
    """A random figure, centred, with its caption underneath."""
    rng = page.rng
    fig_w = width * rng.uniform(0.6, 1.0)
    fig_h = fig_w * rng.uniform(0.45, 0.85)
    below = caption(page, 'Figure', width)
    gap = page.style.body_size * 0.6
    if fig_h + gap + below.height > max_height:
        return None
    painter = rng.choice(FIGURE_PAINTERS)

    def paint(x, y):
        fx = x + (width - fig_w) / 2
        box = (fx, y, fx + fig_w, y + fig_h)
        painter(page, box)
        page.canvas.add_region('Figure', [box], pad=1)
        below.paint(x, y + fig_h + gap)

    return Block(fig_h + gap + below.height, paint)


def table(page: Page, width: float, max_height: float) -> Optional[Block]:
    """A three-line (or fully ruled) table under its caption."""
    rng, style, canvas = page.rng, page.style, page.canvas
    size = max(8, style.body_size - 1)
    rows, cols = rng.randint(3, 9), rng.randint(3, 6)
    row_h = size * 1.8
    table_w = width * rng.uniform(0.75, 1.0)
    above = caption(page, 'Table', width)
    gap = style.body_size * 0.5
    height = above.height + gap + rows * row_h
    if height > max_height:
        return None
    grid = rng.random() < 0.3

    def label() -> str:
        if page.lang == 'en':
            return page.text.sentence(1)
        return ''.join(page.text.words(rng.randint(2, 4)))

    header = [label()[:8] if page.lang == 'en' else label()
              for _ in range(cols)]

    def cell(col):
        if col == 0:
            return label()[:10] if page.lang == 'en' else label()
        return f'{rng.uniform(0, 100):.{rng.randint(1, 2)}f}'

    def paint(x, y):
        draw, ink = canvas.draw, canvas.ink
        above.paint(x, y)
        tx = x + (width - table_w) / 2
        ty = y + above.height + gap
        col_w = table_w / cols
        bottom = ty + rows * row_h
        draw.line([(tx, ty), (tx + table_w, ty)], fill=ink, width=2)
        draw.line([(tx, ty + row_h), (tx + table_w, ty + row_h)],
                  fill=ink,
                  width=1)
        draw.line([(tx, bottom), (tx + table_w, bottom)], fill=ink, width=2)
        if grid:
            for r in range(2, rows):
                draw.line([(tx, ty + r * row_h),
                           (tx + table_w, ty + r * row_h)],
                          fill=ink)
            for c in range(cols + 1):
                draw.line([(tx + c * col_w, ty), (tx + c * col_w, bottom)],
                          fill=ink)
        for r in range(rows):
            for c in range(cols):
                text = header[c] if r == 0 else cell(c)
                text = clip(text, style.body_font, size, col_w - 6, keep=1,
                            step=1)
                canvas.put_text(
                    tx + c * col_w + 4,
                    ty + r * row_h + (row_h - size) / 2 - 1,
                    text,
                    style.body_font,
                    size,
                    bold=r == 0)
        canvas.add_region('Table', [(tx, ty, tx + table_w, bottom)], pad=1)

    return Block(height, paint)
