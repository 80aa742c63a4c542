"""Reading and writing the per-page OCR JSON files (format in DESIGN.md)."""
import json
import os
import os.path as osp
import tempfile
from typing import Dict, Sequence


def write_ocr_json(path: str,
                   width: int,
                   height: int,
                   lines: Sequence[Dict],
                   engine: str) -> None:
    """Write one page's OCR result atomically (temp file + rename).

    A killed writer never leaves a half-written file at ``path``.

    Args:
        path (str): Destination ``.json`` file; parent folders are created.
        width (int): Width in pixels of the image the boxes refer to.
        height (int): Height in pixels of the image the boxes refer to.
        lines (Sequence[dict]): Text lines, each with ``text`` (str) and
            ``box`` ([x0, y0, x1, y1] in pixels), optionally ``score`` and
            ``quad`` (four [x, y] points).
        engine (str): Name and version of what produced the lines.
    """
    payload = dict(
        width=int(width), height=int(height), engine=engine, lines=list(lines))
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(payload, f, ensure_ascii=False)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise
