"""Render synthetic document pages with layout ground truth and OCR JSON.

Every page is an academic-paper-like layout (one or two columns; title,
authors and abstract on opening pages; section titles, paragraphs, figures and
tables with captions, equations, references, headers and footers) in Chinese,
English or both. For each page it writes

* ``<out>/images/<name>.jpg``  the rendered page,
* ``<out>/ocr/<name>.json``    the true text lines and their pixel boxes, in
  the OCR JSON format of DESIGN.md (what ``OCRTokenLoad`` reads),

and for the whole run ``<out>/annotations.json`` (COCO, CDLA's ten classes or
PubLayNet's five with ``--classes publaynet``).

Pages are reproducible: page ``i`` of seed ``s`` is drawn from its own random
generator seeded with ``(s, i)``, so the same seed gives the same files
whatever ``--workers`` is.

Example::

    python data_tools/synth_docs.py --num-pages 300 --lang mix --seed 0 \
        --out data/synth_cdla/train
"""
import argparse
import json
import math
import os
import os.path as osp
import random
import time
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import Pool
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from mmlayout.datasets import CDLADataset, PubLayNetDataset
from mmlayout.ocr import write_ocr_json

CDLA_CLASSES = CDLADataset.METAINFO['classes']
PUBLAYNET_CLASSES = PubLayNetDataset.METAINFO['classes']
# How CDLA's region kinds are annotated in PubLayNet's scheme; None: not
# annotated. PubLayNet annotates a whole reference list as one `list`.
CDLA_TO_PUBLAYNET = {
    'Text': 'text',
    'Title': 'title',
    'Figure': 'figure',
    'Figure caption': 'text',
    'Table': 'table',
    'Table caption': 'text',
    'Header': None,
    'Footer': None,
    'Reference': 'list',
    'Equation': 'text'
}

FONT_DIRS = ('/usr/share/fonts/truetype', '/usr/share/fonts/opentype',
             '/usr/local/share/fonts')
CJK_FONT_FILES = ('wqy-microhei.ttc', 'NotoSansCJK-Regular.ttc',
                  'NotoSerifCJK-Regular.ttc', 'wqy-zenhei.ttc')
LATIN_FONT_FILES = {
    'serif': 'DejaVuSerif.ttf',
    'serif-bold': 'DejaVuSerif-Bold.ttf',
    'serif-italic': 'DejaVuSerif-Italic.ttf',
    'sans': 'DejaVuSans.ttf',
    'sans-bold': 'DejaVuSans-Bold.ttf',
}

EN_WORDS = (
    'the of and in to a is for that with on are by as we this from be an '
    'which these our can at or it have has model method results data using '
    'based analysis two not more than between were was used each study '
    'performance proposed system network learning training feature layer '
    'image document layout detection region text table figure structure '
    'information approach experiments dataset accuracy evaluation task '
    'different however also both while such where when all new one three '
    'first second show shown table value values time number different '
    'significant effect effects cell cells patients treatment clinical group '
    'groups protein expression gene genes level levels increased decreased '
    'observed compared control higher lower response function activity '
    'process processes mechanism factors factor conditions sample samples '
    'measurement measured estimate distribution parameter parameters linear '
    'optimal algorithm algorithms efficient robust semantic visual spatial '
    'attention transformer encoder decoder representation pretraining '
    'benchmark baseline improvement state art previous work works recent '
    'framework module modules consists reading order segmentation objects'
).split()
ZH_CHARS = (
    '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成'
    '会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着'
    '等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把'
    '性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新'
    '线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公'
    '无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活'
    '设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运'
    '农指几九区强放决西被干做必战先回则任取据处理府研究模型方法实验结果数'
    '据分析检测识别文档版面布局区域文本表格图像特征网络训练学习性能精度提'
    '出基于算法系统'
)
ZH_TERMS = ('CNN', 'Transformer', 'LayoutLMv3', 'OCR', 'mAP', 'ResNet', 'GPU',
            'F1', 'BERT', 'ImageNet', 'COCO', 'IoU')
EN_JOURNALS = ('Journal of Document Analysis', 'Pattern Recognition Letters',
               'Proceedings of the Conference on Vision',
               'International Journal of Computing', 'Neural Computation')
ZH_JOURNALS = ('计算机学报', '软件学报', '中文信息学报', '自动化学报',
               '电子学报', '计算机研究与发展')
SURNAMES_EN = ('Smith', 'Wang', 'Li', 'Zhang', 'Chen', 'Kumar', 'Garcia',
               'Müller', 'Tanaka', 'Brown', 'Liu', 'Yang', 'Huang', 'Zhao')
SURNAMES_ZH = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
GIVEN_ZH = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂'
MATH_SYMBOLS = ('α', 'β', 'γ', 'λ', 'θ', 'σ', 'μ', 'x', 'y', 'z', 'W', 'h',
                'f', 'L', 'p', 'q', 'k', 'n')
MATH_OPERATORS = (' + ', ' − ', ' · ', ' = ', ' ≤ ', ' × ')
MATH_FUNCTIONS = ('exp', 'log', 'softmax', 'max', 'min', 'tanh', '∑', '∏', '∫',
                  '‖', '√')

Box = Tuple[float, float, float, float]
Painter = Callable[[ImageDraw.ImageDraw, float, float], None]


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


def find_font(names: Sequence[str]) -> Optional[str]:
    """Path of the first font file found under the system font folders."""
    for name in names:
        for root in FONT_DIRS:
            for folder, _, files in os.walk(root):
                if name in files:
                    return osp.join(folder, name)
    return None


@lru_cache(maxsize=None)
def font_paths() -> Dict[str, str]:
    """Font files by role; CJK falls back to DejaVu with a warning."""
    paths = {
        role: find_font([name])
        for role, name in LATIN_FONT_FILES.items()
    }
    missing = [LATIN_FONT_FILES[r] for r, p in paths.items() if p is None]
    if missing:
        raise FileNotFoundError(
            f'fonts {missing} not found under {FONT_DIRS}; install '
            'fonts-dejavu-core (apt-get install fonts-dejavu-core)')
    cjk = find_font(CJK_FONT_FILES)
    if cjk is None:
        print(
            'WARNING: no CJK font found (apt-get install fonts-wqy-microhei);'
            ' Chinese text will render as boxes')
        cjk = paths['sans']
    paths['cjk'] = cjk
    return paths


@lru_cache(maxsize=None)
def load_font(role: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_paths()[role], size)


@lru_cache(maxsize=200_000)
def text_width(role: str, size: int, text: str) -> float:
    return load_font(role, size).getlength(text)


class PageBuilder:
    """Draws one page and records its regions and text lines.

    Args:
        rng (random.Random): The page's own random generator.
        lang (str): ``'zh'`` or ``'en'`` for this page.
        width (int): Page width in pixels; the height follows A4's ratio.
    """

    def __init__(self, rng: random.Random, lang: str, width: int):
        self.rng = rng
        self.lang = lang
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
        self.next_group = 0
        scale = width / 720
        self.body_size = max(8, int(round(rng.uniform(11, 13.5) * scale)))
        self.leading = rng.uniform(1.35, 1.7)
        zh = lang == 'zh'
        self.body_font = 'cjk' if zh else rng.choice(['serif', 'sans'])
        self.bold_font = 'cjk' if zh else f'{self.body_font}-bold'
        self.figure_number = rng.randint(1, 6)
        self.table_number = rng.randint(1, 4)
        self.equation_number = rng.randint(1, 12)
        self.section_number = rng.randint(1, 5)

    # ----------------------------------------------------------------- text
    def words(self, count: int) -> List[str]:
        """Random text units: words (English) or characters (Chinese)."""
        rng = self.rng
        if self.lang == 'en':
            return rng.choices(EN_WORDS, k=count)
        units = rng.choices(ZH_CHARS, k=count)
        for _ in range(count // 25):
            units[rng.randrange(count)] = rng.choice(ZH_TERMS)
        return units

    def sentence(self, count: int) -> str:
        units = self.words(count)
        if self.lang == 'en':
            return ' '.join(units).capitalize()
        return ''.join(units)

    def wrap(self,
             font: str,
             size: int,
             width: float,
             num_lines: int,
             first_indent: float = 0.0,
             last_fill: float = 1.0) -> List[Tuple[float, str]]:
        """Fill ``num_lines`` lines of random text to ``width`` pixels.

        Returns (indent, text) pairs; the last line fills ``last_fill`` of
        the width.
        """
        sep = ' ' if self.lang == 'en' else ''
        punctuation = (('.', ',', ';') if self.lang == 'en' else
                       ('。', '，', '；'))
        lines = []
        for i in range(num_lines):
            indent = first_indent if i == 0 else 0.0
            target = (width - indent) * (
                last_fill if i == num_lines - 1 else 1)
            units: List[str] = []
            used = 0.0
            while True:
                unit = self.words(1)[0]
                if units and self.rng.random() < 0.08:
                    unit = unit + self.rng.choice(punctuation)
                step = text_width(font, size, unit) + (
                    text_width(font, size, sep) if units and sep else 0)
                if used + step > target:
                    break
                units.append(unit)
                used += step
            if not units:
                units = [self.words(1)[0]]
            text = sep.join(units)
            if i == num_lines - 1:
                text = text.rstrip('.,;。，；') + ('.' if sep else '。')
            if i == 0:
                text = text[0].upper() + text[1:]
            lines.append((indent, text))
        return lines

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
        x0 = min(b[0] for b in boxes) - pad
        y0 = min(b[1] for b in boxes) - pad
        x1 = max(b[2] for b in boxes) + pad
        y1 = max(b[3] for b in boxes) + pad
        box = (max(x0, 0), max(y0, 0), min(x1, self.width - 1),
               min(y1, self.height - 1))
        self.regions.append(Region(label, box, group))

    def text_lines_block(self,
                         label: str,
                         lines: List[Tuple[float, str]],
                         font: str,
                         size: int,
                         width: float,
                         align: str = 'left',
                         bold: bool = False,
                         group: Optional[int] = None,
                         hanging: float = 0.0) -> Block:
        """A block of prepared lines, annotated as one ``label`` region."""
        line_h = size * self.leading

        def paint(draw, x, y):
            boxes = []
            for i, (indent, text) in enumerate(lines):
                shift = indent + (hanging if i > 0 else 0)
                if align == 'center':
                    shift = (width - text_width(font, size, text)) / 2
                boxes.append(
                    self.put_text(x + shift, y + i * line_h, text, font, size,
                                  bold))
            self.add_region(label, boxes, group)

        return Block(len(lines) * line_h, paint)

    # --------------------------------------------------------------- blocks
    def paragraph(self, width: float, max_height: float) -> Optional[Block]:
        size = self.body_size
        fit = int(max_height // (size * self.leading))
        num_lines = min(self.rng.randint(2, 12), fit)
        if num_lines < 2:
            return None
        indent = size * (2 if self.lang == 'zh' else 1.5)
        lines = self.wrap(
            self.body_font,
            size,
            width,
            num_lines,
            first_indent=indent * (self.rng.random() < 0.8),
            last_fill=self.rng.uniform(0.2, 0.95))
        return self.text_lines_block('Text', lines, self.body_font, size,
                                     width)

    def section_title(self, width: float,
                      max_height: float) -> Optional[Block]:
        size = int(self.body_size * self.rng.uniform(1.1, 1.4))
        if size * self.leading > max_height:
            return None
        self.section_number += 1
        number = f'{self.section_number}'
        if self.rng.random() < 0.4:
            number += f'.{self.rng.randint(1, 4)}'
        words = self.words(
            self.rng.randint(2, 6) if self.lang ==
            'en' else self.rng.randint(3, 9))
        title = ' '.join(words).title() if self.lang == 'en' else ''.join(
            words)
        text = f'{number} {title}'
        while text_width(self.bold_font, size, text) > width and len(text) > 4:
            text = text[:-2]
        return self.text_lines_block(
            'Title', [(0.0, text)], self.bold_font, size, width, bold=True)

    def caption(self, kind: str, width: float) -> Block:
        size = max(8, self.body_size - 1)
        if kind == 'Figure':
            self.figure_number += 1
            number = self.figure_number
            label = 'Figure caption'
            prefix = (f'Figure {number}.'
                      if self.lang == 'en' else f'图{number}')
        else:
            self.table_number += 1
            number = self.table_number
            label = 'Table caption'
            prefix = f'Table {number}.' if self.lang == 'en' else f'表{number}'
        num_lines = self.rng.choice([1, 1, 1, 2, 2, 3])
        lines = self.wrap(
            self.body_font,
            size,
            width * 0.95,
            num_lines,
            last_fill=self.rng.uniform(0.3, 0.9))
        lines[0] = (0.0, f'{prefix} {lines[0][1]}')
        lines = [(indent, text) for indent, text in lines]
        centred = num_lines == 1 and self.rng.random() < 0.7
        # Trim a first line that the prefix pushed over the width.
        while text_width(self.body_font, size, lines[0][1]) > width:
            lines[0] = (0.0, lines[0][1][:-2])
        return self.text_lines_block(
            label,
            lines,
            self.body_font,
            size,
            width,
            align='center' if centred else 'left')

    def figure(self, width: float, max_height: float) -> Optional[Block]:
        rng = self.rng
        fig_w = width * rng.uniform(0.6, 1.0)
        fig_h = fig_w * rng.uniform(0.45, 0.85)
        caption = self.caption('Figure', width)
        gap = self.body_size * 0.6
        if fig_h + gap + caption.height > max_height:
            return None
        kind = rng.choice(['plot', 'bars', 'diagram', 'photo'])

        def paint(draw, x, y):
            fx = x + (width - fig_w) / 2
            box = (fx, y, fx + fig_w, y + fig_h)
            getattr(self, f'draw_{kind}')(box)
            self.add_region('Figure', [box], pad=1)
            caption.paint(draw, x, y + fig_h + gap)

        return Block(fig_h + gap + caption.height, paint)

    def draw_plot(self, box: Box) -> None:
        rng, draw = self.rng, self.draw
        x0, y0, x1, y1 = box
        size = max(7, self.body_size - 3)
        ax0, ay0 = x0 + size * 3.5, y0 + size
        ax1, ay1 = x1 - size, y1 - size * 2.5
        draw.line([(ax0, ay0), (ax0, ay1), (ax1, ay1)], fill=self.ink, width=1)
        for i in range(5):
            tx = ax0 + (ax1 - ax0) * i / 4
            ty = ay1 - (ay1 - ay0) * i / 4
            draw.line([(tx, ay1), (tx, ay1 + 3)], fill=self.ink)
            draw.line([(ax0 - 3, ty), (ax0, ty)], fill=self.ink)
            self.put_text(tx - size, ay1 + 4, f'{i * 25}', 'sans', size)
            self.put_text(x0 + 2, ty - size / 2, f'{i / 4:.2f}', 'sans', size)
        colours = [(31, 119, 180), (214, 39, 40), (44, 160, 44),
                   (255, 127, 14)]
        for series in range(rng.randint(1, 3)):
            level = rng.uniform(0.2, 0.8)
            points = []
            for i in range(20):
                level = min(max(level + rng.uniform(-0.08, 0.1), 0.02), 0.98)
                points.append(
                    (ax0 + (ax1 - ax0) * i / 19, ay1 - (ay1 - ay0) * level))
            draw.line(points, fill=colours[series], width=2)

    def draw_bars(self, box: Box) -> None:
        rng, draw = self.rng, self.draw
        x0, y0, x1, y1 = box
        size = max(7, self.body_size - 3)
        base = y1 - size * 2
        draw.line([(x0 + 4, base), (x1 - 4, base)], fill=self.ink)
        count = rng.randint(3, 8)
        step = (x1 - x0 - 8) / count
        colour = (rng.randint(40, 200), rng.randint(40,
                                                    200), rng.randint(40, 200))
        for i in range(count):
            top = base - (base - y0 - 4) * rng.uniform(0.15, 1.0)
            bx = x0 + 4 + i * step
            draw.rectangle([bx + step * 0.15, top, bx + step * 0.85, base],
                           fill=colour,
                           outline=self.ink)
            self.put_text(bx + step * 0.3, base + 3, f'{chr(65 + i)}', 'sans',
                          size)

    def draw_diagram(self, box: Box) -> None:
        rng, draw = self.rng, self.draw
        x0, y0, x1, y1 = box
        size = max(7, self.body_size - 2)
        count = rng.randint(2, 4)
        step = (x1 - x0) / count
        mid = (y0 + y1) / 2
        fill = (rng.randint(200, 245), rng.randint(200,
                                                   245), rng.randint(200, 245))
        for i in range(count):
            bx0, bx1 = x0 + i * step + step * 0.12, x0 + (
                i + 1) * step - step * 0.12
            draw.rounded_rectangle([bx0, mid - size * 2, bx1, mid + size * 2],
                                   radius=4,
                                   fill=fill,
                                   outline=self.ink)
            label = self.sentence(1 if self.lang == 'en' else 2)[:10]
            self.put_text(bx0 + 4, mid - size / 2, label, self.body_font, size)
            if i:
                draw.line([(bx0 - step * 0.24, mid), (bx0, mid)],
                          fill=self.ink,
                          width=2)
                draw.polygon([(bx0, mid), (bx0 - 6, mid - 4),
                              (bx0 - 6, mid + 4)],
                             fill=self.ink)

    def draw_photo(self, box: Box) -> None:
        rng, draw = self.rng, self.draw
        x0, y0, x1, y1 = box
        draw.rectangle(box, fill=(rng.randint(60, 200), ) * 3)
        for _ in range(rng.randint(4, 12)):
            cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
            r = rng.uniform(0.05, 0.3) * (x1 - x0)
            colour = (rng.randint(0,
                                  255), rng.randint(0,
                                                    255), rng.randint(0, 255))
            draw.ellipse([
                max(cx - r, x0),
                max(cy - r, y0),
                min(cx + r, x1),
                min(cy + r, y1)
            ],
                         fill=colour)

    def table(self, width: float, max_height: float) -> Optional[Block]:
        rng = self.rng
        size = max(8, self.body_size - 1)
        rows, cols = rng.randint(3, 9), rng.randint(3, 6)
        row_h = size * 1.8
        table_w = width * rng.uniform(0.75, 1.0)
        caption = self.caption('Table', width)
        gap = self.body_size * 0.5
        height = caption.height + gap + rows * row_h
        if height > max_height:
            return None
        grid = rng.random() < 0.3
        header = [
            self.sentence(1)[:8] if self.lang == 'en' else ''.join(
                self.words(rng.randint(2, 4))) for _ in range(cols)
        ]

        def cell(row, col):
            if col == 0:
                return (self.sentence(1)[:10] if self.lang == 'en' else
                        ''.join(self.words(rng.randint(2, 4))))
            return f'{rng.uniform(0, 100):.{rng.randint(1, 2)}f}'

        def paint(draw, x, y):
            caption.paint(draw, x, y)
            tx = x + (width - table_w) / 2
            ty = y + caption.height + gap
            col_w = table_w / cols
            bottom = ty + rows * row_h
            draw.line([(tx, ty), (tx + table_w, ty)], fill=self.ink, width=2)
            draw.line([(tx, ty + row_h), (tx + table_w, ty + row_h)],
                      fill=self.ink,
                      width=1)
            draw.line([(tx, bottom), (tx + table_w, bottom)],
                      fill=self.ink,
                      width=2)
            if grid:
                for r in range(2, rows):
                    draw.line([(tx, ty + r * row_h),
                               (tx + table_w, ty + r * row_h)],
                              fill=self.ink)
                for c in range(cols + 1):
                    draw.line([(tx + c * col_w, ty), (tx + c * col_w, bottom)],
                              fill=self.ink)
            for r in range(rows):
                for c in range(cols):
                    text = header[c] if r == 0 else cell(r, c)
                    while (text_width(self.body_font, size, text) > col_w - 6
                           and len(text) > 1):
                        text = text[:-1]
                    self.put_text(
                        tx + c * col_w + 4,
                        ty + r * row_h + (row_h - size) / 2 - 1,
                        text,
                        self.body_font,
                        size,
                        bold=r == 0)
            self.add_region('Table', [(tx, ty, tx + table_w, bottom)], pad=1)

        return Block(height, paint)

    def equation(self, width: float, max_height: float) -> Optional[Block]:
        rng = self.rng
        size = self.body_size + 1
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
                        ['', '²', '₁', 'ᵢ', 'ⱼ', '/2', f'{rng.randint(2, 9)}'])
                )
        formula = ''.join(parts)
        while text_width('serif-italic', size, formula) > width * 0.8:
            formula = formula[:-2]
        self.equation_number += 1
        number = f'({self.equation_number})'

        def paint(draw, x, y):
            fx = x + (width - text_width('serif-italic', size, formula)) / 2
            box = self.put_text(fx, y + size * 0.6, formula, 'serif-italic',
                                size)
            self.add_region('Equation', [box])
            self.put_text(x + width - text_width('serif', size, number) - 2,
                          y + size * 0.6, number, 'serif', size)

        return Block(line_h, paint)

    def references(self, width: float, max_height: float) -> Optional[Block]:
        rng = self.rng
        size = max(8, self.body_size - 1)
        heading = ('References' if self.lang == 'en' else '参考文献')
        title = self.text_lines_block(
            'Title', [(0.0, heading)],
            self.bold_font,
            size + 2,
            width,
            bold=True)
        line_h = size * self.leading
        entries = []
        used = title.height
        group = self.next_group
        self.next_group += 1
        start = rng.randint(1, 30)
        while True:
            num_lines = rng.choice([1, 2, 2, 3])
            if used + num_lines * line_h + size * 0.4 > max_height:
                break
            lines = self.wrap(
                self.body_font,
                size,
                width - size * 2,
                num_lines,
                last_fill=rng.uniform(0.3, 0.9))
            lines[0] = (0.0, f'[{start + len(entries)}] {self.citation()}'
                        if len(lines) == 1 else
                        f'[{start + len(entries)}] {lines[0][1]}')
            while text_width(self.body_font, size, lines[0][1]) > width:
                lines[0] = (0.0, lines[0][1][:-2])
            entries.append(
                self.text_lines_block(
                    'Reference',
                    lines,
                    self.body_font,
                    size,
                    width,
                    group=group,
                    hanging=size * 2))
            used += num_lines * line_h + size * 0.4
            if len(entries) >= rng.randint(3, 14):
                break
        if not entries:
            return None

        def paint(draw, x, y):
            title.paint(draw, x, y)
            cursor = y + title.height
            for entry in entries:
                entry.paint(draw, x, cursor)
                cursor += entry.height + size * 0.4

        return Block(used, paint)

    def citation(self) -> str:
        rng = self.rng
        year = rng.randint(1995, 2025)
        if self.lang == 'en':
            authors = ', '.join(
                f'{rng.choice(SURNAMES_EN)} {chr(65 + rng.randrange(26))}'
                for _ in range(rng.randint(1, 3)))
            return (f'{authors}. {self.sentence(rng.randint(3, 6))}. '
                    f'{rng.choice(EN_JOURNALS)}, {year}')
        authors = ', '.join(
            rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
            for _ in range(rng.randint(1, 3)))
        return (f'{authors}. {self.sentence(rng.randint(6, 12))}[J]. '
                f'{rng.choice(ZH_JOURNALS)}, {year}')

    # --------------------------------------------------------------- layout
    def header_footer(self, margin_x: float, top: float,
                      bottom: float) -> Tuple[float, float]:
        """Draw header and footer; return the body's top and bottom."""
        rng = self.rng
        size = max(7, self.body_size - 2)
        right = self.width - margin_x
        body_top, body_bottom = top, bottom
        if rng.random() < 0.85:
            journal = (
                rng.choice(EN_JOURNALS)
                if self.lang == 'en' else rng.choice(ZH_JOURNALS))
            extra = (f'Vol. {rng.randint(1, 60)}, No. {rng.randint(1, 12)}'
                     if self.lang == 'en' else
                     f'第{rng.randint(1, 60)}卷 第{rng.randint(1, 12)}期')
            left_box = self.put_text(margin_x, top, journal, self.body_font,
                                     size)
            self.add_region('Header', [left_box])
            if rng.random() < 0.7:
                w = text_width(self.body_font, size, extra)
                right_box = self.put_text(right - w, top, extra,
                                          self.body_font, size)
                self.add_region('Header', [right_box])
            rule_y = top + size * 1.6
            if rng.random() < 0.6:
                self.draw.line([(margin_x, rule_y), (right, rule_y)],
                               fill=self.ink,
                               width=1)
            body_top = rule_y + size * 1.5
        if rng.random() < 0.75:
            text = (
                str(rng.randint(1, 400)) if rng.random() < 0.6 else
                (f'© {rng.randint(2000, 2025)} {rng.choice(EN_JOURNALS)}'
                 if self.lang == 'en' else
                 f'收稿日期：{rng.randint(2000, 2025)}-'
                 f'{rng.randint(1, 12):02d}'))
            w = text_width(self.body_font, size, text)
            x = (self.width - w) / 2 if rng.random() < 0.6 else margin_x
            box = self.put_text(x, bottom - size, text, self.body_font, size)
            self.add_region('Footer', [box])
            body_bottom = bottom - size * 2.5
        return body_top, body_bottom

    def opening(self, x: float, y: float, width: float) -> float:
        """Title, authors and abstract across the page; return the new y."""
        rng = self.rng
        size = int(self.body_size * rng.uniform(1.6, 2.1))
        num_lines = rng.choice([1, 2])
        title_lines = self.wrap(
            self.bold_font,
            size,
            width * 0.85,
            num_lines,
            last_fill=rng.uniform(0.5, 0.9))
        title_lines = [(0.0, t.rstrip('.。')) for _, t in title_lines]
        title = self.text_lines_block(
            'Title',
            title_lines,
            self.bold_font,
            size,
            width,
            align='center',
            bold=True)
        title.paint(self.draw, x, y)
        y += title.height + self.body_size
        if self.lang == 'en':
            authors = ', '.join(f'{chr(65 + rng.randrange(26))}. '
                                f'{rng.choice(SURNAMES_EN)}'
                                for _ in range(rng.randint(2, 5)))
        else:
            authors = '  '.join(
                rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
                for _ in range(rng.randint(2, 5)))
        block = self.text_lines_block(
            'Text', [(0.0, authors)],
            self.body_font,
            self.body_size,
            width,
            align='center')
        block.paint(self.draw, x, y)
        y += block.height + self.body_size
        inset = width * 0.06
        lines = self.wrap(
            self.body_font,
            self.body_size - 1,
            width - 2 * inset,
            rng.randint(3, 7),
            last_fill=rng.uniform(0.3, 0.9))
        prefix = 'Abstract: ' if self.lang == 'en' else '摘要：'
        lines[0] = (0.0, prefix + lines[0][1])
        while text_width(self.body_font, self.body_size - 1,
                         lines[0][1]) > width - 2 * inset:
            lines[0] = (0.0, lines[0][1][:-2])
        block = self.text_lines_block('Text', lines, self.body_font,
                                      self.body_size - 1, width - 2 * inset)
        block.paint(self.draw, x + inset, y)
        return y + block.height + self.body_size * 1.5

    def fill_column(self, x: float, top: float, bottom: float, width: float,
                    with_references: bool) -> None:
        """Stack blocks in a column from ``top`` until it is full."""
        rng = self.rng
        kinds = ['paragraph', 'section_title', 'figure', 'table', 'equation']
        weights = [10, 2.5, 1.5, 1.2, 1.2]
        gap = self.body_size * rng.uniform(0.6, 1.0)
        y = top
        previous = None
        while bottom - y > self.body_size * 2:
            if with_references and (bottom - y) < (bottom - top) * 0.45:
                block = self.references(width, bottom - y)
                if block:
                    block.paint(self.draw, x, y)
                return
            kind = rng.choices(kinds, weights)[0]
            if kind == previous == 'section_title':
                kind = 'paragraph'
            block = getattr(self, kind)(width, bottom - y)
            if block is None:
                block = self.paragraph(width, bottom - y)
                kind = 'paragraph'
            if block is None:
                return
            block.paint(self.draw, x, y)
            y += block.height + gap
            previous = kind

    def build(self) -> None:
        rng = self.rng
        margin_x = self.width * rng.uniform(0.06, 0.1)
        top = self.height * rng.uniform(0.035, 0.06)
        bottom = self.height * (1 - rng.uniform(0.035, 0.06))
        body_top, body_bottom = self.header_footer(margin_x, top, bottom)
        content_w = self.width - 2 * margin_x
        if rng.random() < 0.3:
            body_top = self.opening(margin_x, body_top, content_w)
        columns = 2 if rng.random() < 0.55 else 1
        col_gap = self.width * 0.04
        col_w = (content_w - col_gap * (columns - 1)) / columns
        if columns == 2 and rng.random() < 0.25:
            spanning = rng.choice([self.figure, self.table
                                   ])(content_w,
                                      (body_bottom - body_top) * 0.45)
            if spanning:
                spanning.paint(self.draw, margin_x, body_top)
                body_top += spanning.height + self.body_size * 1.2
        with_references = rng.random() < 0.2
        for c in range(columns):
            self.fill_column(margin_x + c * (col_w + col_gap), body_top,
                             body_bottom, col_w, with_references
                             and c == columns - 1)


def render_page(seed: int, index: int, lang: str, width: int):
    """Render page ``index`` of ``seed``.

    Returns:
        tuple: (PIL image, list of :class:`Region`, list of OCR line dicts).
    """
    rng = random.Random(f'{seed}:{index}')
    page_lang = rng.choice(['zh', 'en']) if lang == 'mix' else lang
    page = PageBuilder(rng, page_lang, width)
    page.build()
    return page.image, page.regions, page.lines


def regions_to_scheme(regions: List[Region],
                      classes: str) -> List[Tuple[str, Box]]:
    """Map CDLA-labelled regions to the chosen class scheme."""
    if classes == 'cdla':
        return [(r.label, r.box) for r in regions]
    out, groups = [], {}
    for region in regions:
        label = CDLA_TO_PUBLAYNET[region.label]
        if label is None:
            continue
        if region.group is None:
            out.append((label, region.box))
            continue
        if region.group in groups:
            idx = groups[region.group]
            old = out[idx][1]
            out[idx] = (label, (min(old[0],
                                    region.box[0]), min(old[1], region.box[1]),
                                max(old[2],
                                    region.box[2]), max(old[3],
                                                        region.box[3])))
        else:
            groups[region.group] = len(out)
            out.append((label, region.box))
    return out


def _render_and_save(job):
    seed, index, lang, width, out, classes, quality = job
    image, regions, lines = render_page(seed, index, lang, width)
    name = f'synth_{seed}_{index:06d}'
    image.save(osp.join(out, 'images', f'{name}.jpg'), quality=quality)
    write_ocr_json(
        osp.join(out, 'ocr', f'{name}.json'),
        image.width,
        image.height,
        lines,
        engine='synth_docs (ground truth)')
    return name, image.size, regions_to_scheme(regions, classes)


def build_coco(pages, classes: str) -> dict:
    names = CDLA_CLASSES if classes == 'cdla' else PUBLAYNET_CLASSES
    category_ids = {name: i + 1 for i, name in enumerate(names)}
    images, annotations = [], []
    for image_id, (name, (width, height), regions) in enumerate(pages, 1):
        images.append(
            dict(
                id=image_id,
                file_name=f'{name}.jpg',
                width=width,
                height=height))
        for label, (x0, y0, x1, y1) in regions:
            x0, y0, x1, y1 = (round(v, 1) for v in (x0, y0, x1, y1))
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=category_ids[label],
                    bbox=[x0, y0, round(x1 - x0, 1),
                          round(y1 - y0, 1)],
                    area=round((x1 - x0) * (y1 - y0), 1),
                    iscrowd=0,
                    segmentation=[[x0, y0, x1, y0, x1, y1, x0, y1]]))
    return dict(
        info=dict(description='mmlayout synthetic document pages'),
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i, name=n, supercategory='layout')
            for n, i in category_ids.items()
        ])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num-pages', type=int, default=100)
    parser.add_argument('--lang', choices=['zh', 'en', 'mix'], default='mix')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--classes',
        choices=['cdla', 'publaynet'],
        default='cdla',
        help='annotation scheme')
    parser.add_argument(
        '--width',
        type=int,
        default=720,
        help='page width in pixels (height = width * sqrt 2)')
    parser.add_argument('--quality', type=int, default=92, help='JPEG quality')
    parser.add_argument('--workers', type=int, default=1)
    args = parser.parse_args(argv)
    if args.num_pages < 1:
        parser.error('--num-pages must be at least 1')
    if args.width < 200:
        parser.error('--width must be at least 200 pixels')
    return args


def main(argv=None):
    args = parse_args(argv)
    for sub in ('images', 'ocr'):
        os.makedirs(osp.join(args.out, sub), exist_ok=True)
    font_paths()  # fail (or warn) once, before any work starts
    jobs = [(args.seed, i, args.lang, args.width, args.out, args.classes,
             args.quality) for i in range(args.num_pages)]
    start = time.perf_counter()
    progress = dict(total=len(jobs), desc='rendering pages', unit='page')
    if args.workers > 1:
        with Pool(args.workers) as pool:
            pages = list(
                tqdm(
                    pool.imap(_render_and_save, jobs, chunksize=4),
                    **progress))
    else:
        pages = [_render_and_save(job) for job in tqdm(jobs, **progress)]
    coco = build_coco(pages, args.classes)
    ann_file = osp.join(args.out, 'annotations.json')
    with open(ann_file, 'w', encoding='utf-8') as f:
        json.dump(coco, f, ensure_ascii=False)
    elapsed = time.perf_counter() - start
    print(f'{len(pages)} pages, {len(coco["annotations"])} regions in '
          f'{elapsed:.1f} s ({len(pages) / elapsed:.1f} pages/s) -> '
          f'{args.out} (images/, ocr/, annotations.json)')


if __name__ == '__main__':
    main()
