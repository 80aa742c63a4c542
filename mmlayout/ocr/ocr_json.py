"""Reading and writing the per-page OCR JSON files (format in DESIGN.md).

The format::

    {"width": 1654, "height": 2339, "engine": "rapidocr 3.10.0",
     "lines": [{"text": "...", "box": [x0, y0, x1, y1], "score": 0.98,
                "quad": [[x, y], [x, y], [x, y], [x, y]]}]}

Boxes are pixels of the image whose ``width``/``height`` are given; ``score``
and ``quad`` are optional. The legacy form
``{"bbox": [[x, y, w, h], ...], "words": [...], "W": w, "H": h}`` is read too.
"""
import json
import math
from itertools import chain
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmlayout.utils.atomic_files import atomic_write
from .base import OCRLine


class OCRFormatError(ValueError):
    """A malformed OCR JSON file; the message names the file and the field."""


def write_ocr_json(path: str,
                   width: int,
                   height: int,
                   lines: Sequence[Union[Dict, OCRLine]],
                   engine: str) -> None:
    """Write one page's OCR result atomically (temp file + rename).

    A killed writer never leaves a half-written file at ``path``.

    Args:
        path (str): Destination ``.json`` file; parent folders are created.
        width (int): Width in pixels of the image the boxes refer to.
        height (int): Height in pixels of the image the boxes refer to.
        lines (Sequence[dict | OCRLine]): Text lines, each with ``text``
            (str) and ``box`` ([x0, y0, x1, y1] in pixels), optionally
            ``score`` and ``quad`` (four [x, y] points).
        engine (str): Name and version of what produced the lines.
    """
    payload = dict(
        width=int(width),
        height=int(height),
        engine=engine,
        lines=[
            line.to_dict() if isinstance(line, OCRLine) else line
            for line in lines
        ])
    with atomic_write(path, 'w', encoding='utf-8') as f:
        json.dump(payload, f, ensure_ascii=False)


def _is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _numbers(value, count: int, path: str, field: str) -> Tuple[float, ...]:
    """``count`` finite numbers from a JSON list, or an error naming the
    field."""
    if (not isinstance(value, list) or len(value) != count
            or not all(_is_number(v) for v in value)):
        raise OCRFormatError(f'{path}: field {field!r}: expected a list of '
                             f'{count} finite numbers, got {value!r}')
    return tuple(float(v) for v in value)


def _positive(data: dict, key: str, path: str) -> float:
    value = data.get(key)
    if not _is_number(value) or value <= 0:
        raise OCRFormatError(f'{path}: field {key!r}: expected a positive '
                             f'number, got {value!r}')
    return value


def _list(data: dict, key: str, path: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        raise OCRFormatError(f'{path}: field {key!r}: expected a list, got '
                             f'{type(value).__name__}')
    return value


def _all_numbers(values: list, count: int) -> bool:
    """Whether every value is a list of ``count`` finite JSON numbers."""
    if not all(type(v) is list and len(v) == count for v in values):
        return False
    flat = list(chain.from_iterable(values))
    return (set(map(type, flat)) <= {int, float}
            and bool(np.isfinite(np.array(flat, dtype=np.float64)).all()))


def _parse_lines_fast(items: list) -> Optional[List[OCRLine]]:
    """All lines at once when every field is well-formed, else None (then
    the line-by-line check names the bad field). A page's lines are
    validated with a few vectorised checks instead of per-value Python
    calls: this reader runs in every training step."""
    if not all(type(item) is dict and 'text' in item and 'box' in item
               for item in items):
        return None
    texts = [item['text'] for item in items]
    boxes = [item['box'] for item in items]
    scores = [item.get('score') for item in items]
    quads = [item.get('quad') for item in items]
    if not (all(type(text) is str for text in texts)
            and _all_numbers(boxes, 4)
            and _all_numbers([[s] for s in scores if s is not None], 1)
            and all(type(q) is list and len(q) == 4 for q in quads
                    if q is not None) and _all_numbers(
                        [p for q in quads if q is not None for p in q], 2)):
        return None
    return [
        OCRLine(text, tuple(map(float, box)), score,
                None if quad is None else tuple(
                    tuple(map(float, point)) for point in quad))
        for text, box, score, quad in zip(texts, boxes, scores, quads)
    ]


def _parse_lines(data: dict, path: str) -> List[OCRLine]:
    items = _list(data, 'lines', path)
    lines = _parse_lines_fast(items)
    if lines is not None:
        return lines
    lines = []
    for i, item in enumerate(items):
        field = f'lines[{i}]'
        if not isinstance(item, dict):
            raise OCRFormatError(f'{path}: field {field!r}: expected an '
                                 f'object, got {item!r}')
        text = item.get('text')
        if not isinstance(text, str):
            raise OCRFormatError(f'{path}: field {field + ".text"!r}: '
                                 f'expected a string, got {text!r}')
        box = _numbers(item.get('box'), 4, path, f'{field}.box')
        score = item.get('score')
        if score is not None and not _is_number(score):
            raise OCRFormatError(f'{path}: field {field + ".score"!r}: '
                                 f'expected a number, got {score!r}')
        quad = item.get('quad')
        if quad is not None:
            if not isinstance(quad, list) or len(quad) != 4:
                raise OCRFormatError(f'{path}: field {field + ".quad"!r}: '
                                     f'expected 4 [x, y] points, got {quad!r}')
            quad = tuple(
                _numbers(point, 2, path, f'{field}.quad[{j}]')
                for j, point in enumerate(quad))
        lines.append(OCRLine(text, box, score, quad))
    return lines


def _parse_legacy(data: dict, path: str) -> List[OCRLine]:
    boxes = _list(data, 'bbox', path)
    words = _list(data, 'words', path)
    if len(boxes) != len(words):
        raise OCRFormatError(f"{path}: field 'bbox' has {len(boxes)} entries "
                             f"but field 'words' has {len(words)}")
    lines = []
    for i, (box, text) in enumerate(zip(boxes, words)):
        x, y, w, h = _numbers(box, 4, path, f'bbox[{i}]')
        if not isinstance(text, str):
            raise OCRFormatError(f'{path}: field {f"words[{i}]"!r}: expected '
                                 f'a string, got {text!r}')
        lines.append(OCRLine(text, (x, y, x + w, y + h)))
    return lines


def load_ocr_json(path: str) -> Tuple[float, float, List[OCRLine]]:
    """Read and validate one page's OCR JSON (current or legacy form).

    Boxes are returned as stored (a legacy ``[x, y, w, h]`` becomes
    ``(x, y, x + w, y + h)``); they are not clipped or reordered here.

    Args:
        path (str): The ``.json`` file.

    Returns:
        tuple: ``(width, height, lines)``: the page size in pixels the boxes
        refer to and the list of :class:`OCRLine`.

    Raises:
        FileNotFoundError: The file does not exist.
        OCRFormatError: The file is not JSON, or a field is missing or has a
            wrong type or value; the message names the file and the field.
    """
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        data = json.loads(raw)
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise OCRFormatError(f'{path}: not valid JSON: {e}') from None
    if not isinstance(data, dict):
        raise OCRFormatError(f'{path}: expected a JSON object with fields '
                             f"'width', 'height' and 'lines', got "
                             f'{type(data).__name__}')
    if 'lines' in data:
        return (_positive(data, 'width', path),
                _positive(data, 'height', path), _parse_lines(data, path))
    if 'bbox' in data or 'words' in data:
        return (_positive(data, 'W', path), _positive(data, 'H', path),
                _parse_legacy(data, path))
    raise OCRFormatError(f"{path}: field 'lines' is missing (and this is not "
                         "the legacy form with 'bbox', 'words', 'W', 'H'); "
                         f'fields found: {sorted(data)}')
