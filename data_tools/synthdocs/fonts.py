"""Font discovery, loading and text measuring (all cached per process)."""
import os
import os.path as osp
from functools import lru_cache
from typing import Dict, Optional, Sequence

from PIL import ImageFont

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
    """The font of ``role`` (a key of :func:`font_paths`) at ``size`` px."""
    return ImageFont.truetype(font_paths()[role], size)


@lru_cache(maxsize=200_000)
def text_width(role: str, size: int, text: str) -> float:
    """Advance width of ``text`` in pixels."""
    return load_font(role, size).getlength(text)


def clip(text: str,
         role: str,
         size: int,
         width: float,
         keep: int = 0,
         step: int = 2) -> str:
    """Drop characters, ``step`` at a time, until ``text`` fits ``width``.

    Stops early once ``text`` is ``keep`` characters long or shorter.
    """
    while text_width(role, size, text) > width and len(text) > keep:
        text = text[:-step]
    return text
