"""Random text in a page's language, and breaking it into lines."""
import random
import re
from typing import List, Tuple

from .fonts import text_width
from .vocab import (EN_JOURNALS, EN_SECTIONS, EN_WORDS, GIVEN_ZH,
                    SURNAMES_EN, SURNAMES_ZH, ZH_CHARS, ZH_JOURNALS,
                    ZH_SECTIONS, ZH_TERMS)

Line = Tuple[float, str]  # (indent in pixels, text)
# Units a line may break between: words in English; in Chinese single
# characters, keeping runs of ASCII (numbers, Latin words) together.
UNIT_PATTERNS = {'en': r'\S+\s*', 'zh': r'[!-~]+\s*|\S\s*'}


class Writer:
    """Random words, sentences and citations for one page.

    Args:
        rng (random.Random): The page's random generator.
        lang (str): ``'zh'`` or ``'en'``.
    """

    def __init__(self, rng: random.Random, lang: str):
        self.rng = rng
        self.lang = lang

    @property
    def sep(self) -> str:
        """What joins two text units: a space in English, nothing in
        Chinese."""
        return ' ' if self.lang == 'en' else ''

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
        """``count`` random units as one string, capitalised in English."""
        units = self.words(count)
        if self.lang == 'en':
            return ' '.join(units).capitalize()
        return ''.join(units)

    def author(self, surname_first: bool = False) -> str:
        """A person's name: ``A. Smith`` (or ``Smith A``), ``王伟``."""
        rng = self.rng
        if self.lang != 'en':
            return rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
        if surname_first:
            return f'{rng.choice(SURNAMES_EN)} {chr(65 + rng.randrange(26))}'
        return f'{chr(65 + rng.randrange(26))}. {rng.choice(SURNAMES_EN)}'

    def journal(self) -> str:
        """A journal name in the page's language."""
        return self.rng.choice(
            EN_JOURNALS if self.lang == 'en' else ZH_JOURNALS)

    def citation(self) -> str:
        """A short one-line citation (authors, title, journal, year)."""
        rng = self.rng
        year = rng.randint(1995, 2025)
        authors = ', '.join(
            self.author(surname_first=True)
            for _ in range(rng.randint(1, 3)))
        if self.lang == 'en':
            return (f'{authors}. {self.sentence(rng.randint(3, 6))}. '
                    f'{self.journal()}, {year}')
        return (f'{authors}. {self.sentence(rng.randint(6, 12))}[J]. '
                f'{self.journal()}, {year}')

    def section_name(self) -> str:
        """A real section name: ``Experiments``, ``消融实验``."""
        return self.rng.choice(
            EN_SECTIONS if self.lang == 'en' else ZH_SECTIONS)

    def fragment(self) -> str:
        """A short sentence fragment, about as long as a section heading."""
        rng = self.rng
        if self.lang == 'en':
            return (self.sentence(rng.randint(2, 5)) +
                    rng.choice(('.', ':', ',')))
        return self.sentence(rng.randint(4, 10)) + rng.choice('。：，')

    def wrap(self,
             font: str,
             size: int,
             width: float,
             num_lines: int,
             first_indent: float = 0.0,
             last_fill: float = 1.0) -> List[Line]:
        """Fill ``num_lines`` lines of random text to ``width`` pixels.

        Returns (indent, text) pairs; the last line fills ``last_fill`` of
        the width.
        """
        sep = self.sep
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

    def flow(self,
             text: str,
             font: str,
             size: int,
             width: float,
             first_indent: float = 0.0) -> List[Line]:
        """Break given ``text`` into lines of at most ``width`` pixels.

        Lines fill up the way :meth:`wrap` fills them: as many units as fit,
        left-aligned, the first line indented by ``first_indent``.
        """
        lines = []
        line, used, indent = '', 0.0, first_indent
        for unit in re.findall(UNIT_PATTERNS[self.lang], text):
            if line and used + text_width(font, size,
                                          unit.rstrip()) > width - indent:
                lines.append((indent, line.rstrip()))
                line, used, indent = '', 0.0, 0.0
            line += unit
            used += text_width(font, size, unit)
        lines.append((indent, line.rstrip()))
        return lines

    def reference(self,
                  number: int,
                  font: str,
                  size: int,
                  width: float,
                  num_lines: int,
                  first_indent: float = 0.0,
                  last_fill: float = 1.0) -> List[Line]:
        """A numbered reference entry set as :meth:`wrap` sets a paragraph.

        ``[12] A. Author, B. Author. Title of the work. Journal, 2019,
        12(3): 45-67.``; its title grows until the entry fills
        ``num_lines`` lines, the last one about ``last_fill`` of the width
        (more lines only if authors and journal alone need them).
        """
        rng = self.rng
        authors = ', '.join(
            self.author() for _ in range(rng.randint(1, 4)))
        first_page = rng.randint(1, 900)
        tail = (f'{self.journal()}, {rng.randint(1995, 2025)}, '
                f'{rng.randint(1, 60)}({rng.randint(1, 12)}): '
                f'{first_page}-{first_page + rng.randint(2, 30)}.')
        mark = '' if self.lang == 'en' else '[J]'
        title = self.words(2 if self.lang == 'en' else 4)

        def entry(units):
            words = (' '.join(units).capitalize()
                     if self.lang == 'en' else ''.join(units))
            return self.flow(f'[{number}] {authors}. {words}{mark}. {tail}',
                             font, size, width, first_indent)

        def filled(lines):
            indent, text = lines[-1]
            return text_width(font, size, text) >= (width -
                                                    indent) * last_fill

        lines = entry(title)
        while len(lines) < num_lines or (len(lines) == num_lines
                                         and not filled(lines)):
            longer = title + self.words(1)
            more = entry(longer)
            if len(more) > num_lines:
                break
            title, lines = longer, more
        return lines
