"""Draw a page's regions: boxes, class names and scores."""
import colorsys
from functools import lru_cache
from typing import Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mmlayout.utils.fonts import find_cjk_font
from .results import PageResult


def class_colors(num_classes: int) -> Sequence[Tuple[int, int, int]]:
    """``num_classes`` well-separated RGB colours (golden-ratio hues)."""
    colors = []
    for index in range(num_classes):
        hue = (index * 0.618034) % 1.0
        red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, 0.85)
        colors.append((int(red * 255), int(green * 255), int(blue * 255)))
    return colors


@lru_cache(maxsize=16)
def label_font(size: int) -> ImageFont.ImageFont:
    """A font that draws Chinese too (PIL's default font when the system
    has no CJK font)."""
    path = find_cjk_font()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def draw_page(result: PageResult, num_classes: int) -> Image.Image:
    """The page with its regions drawn over it.

    Each region gets a translucent fill and an outline in its class colour
    and a label ``<class> <score>`` above its top-left corner (inside the
    page).

    Args:
        result (PageResult): A page with its ``image``.
        num_classes (int): Number of the model's classes (for the colours).
    """
    page = Image.fromarray(np.asarray(result.image)).convert('RGBA')
    overlay = Image.new('RGBA', page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    colors = class_colors(num_classes)
    font = label_font(max(12, round(min(page.size) / 60)))
    line_width = max(2, round(min(page.size) / 400))
    for region in result.regions:
        color = colors[region.label_id % len(colors)]
        box = [round(v) for v in region.box]
        draw.rectangle(box, fill=color + (40, ), outline=color + (255, ),
                       width=line_width)
        label = f'{region.label} {region.score:.2f}'
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        width, height = right - left, bottom - top + 4
        x = min(box[0], max(page.width - width - 4, 0))
        y = box[1] - height if box[1] >= height else box[1]
        draw.rectangle([x, y, x + width + 4, y + height], fill=color + (220, ))
        draw.text((x + 2, y + 2 - top), label, fill=(255, 255, 255, 255),
                  font=font)
    return Image.alpha_composite(page, overlay).convert('RGB')
