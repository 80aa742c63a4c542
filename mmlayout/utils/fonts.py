"""Find a font that draws Chinese text, for the visualisation tools."""
import os
import os.path as osp
import shutil
import subprocess
from functools import lru_cache
from typing import Optional

#: Folders searched for font files, system-wide then the user's.
FONT_DIRS = ('/usr/share/fonts', '/usr/local/share/fonts',
             '~/.local/share/fonts', '~/.fonts')
#: Font files with Chinese glyphs, in order of preference (the WenQuanYi
#: and Noto CJK files of the Debian/Ubuntu packages first).
CJK_FONT_FILES = ('wqy-microhei.ttc', 'NotoSansCJK-Regular.ttc',
                  'NotoSansCJKsc-Regular.otf', 'NotoSerifCJK-Regular.ttc',
                  'wqy-zenhei.ttc', 'SourceHanSansSC-Regular.otf',
                  'msyh.ttc', 'simhei.ttf')


@lru_cache(maxsize=None)
def find_cjk_font() -> Optional[str]:
    """Path of a font file with Chinese glyphs, or None.

    Looks for the files of :data:`CJK_FONT_FILES` under :data:`FONT_DIRS`,
    then asks fontconfig (``fc-list :lang=zh``) when it is installed.
    Install one with ``apt-get install fonts-wqy-microhei``.
    """
    found = {}
    for root in FONT_DIRS:
        for folder, _, files in os.walk(osp.expanduser(root)):
            for name in set(files).intersection(CJK_FONT_FILES):
                found.setdefault(name, osp.join(folder, name))
    for name in CJK_FONT_FILES:
        if name in found:
            return found[name]
    if shutil.which('fc-list') is None:
        return None
    listing = subprocess.run(['fc-list', ':lang=zh', 'file'],
                             capture_output=True, text=True, check=False)
    paths = sorted(line.split(':')[0].strip()
                   for line in listing.stdout.splitlines() if line.strip())
    return paths[0] if paths else None
