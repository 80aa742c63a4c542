"""Pages with OCR JSON for the text pipeline tests."""
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmlayout.ocr import write_ocr_json


def make_page(root: str,
              name: str,
              size: Tuple[int, int],
              lines: Sequence[Tuple[str, Sequence[float]]],
              ocr_size: Optional[Tuple[int, int]] = None,
              draw: bool = True) -> str:
    """Write ``<root>/images/<name>.png`` and ``<root>/ocr/<name>.json``.

    Args:
        size: ``(width, height)`` of the image.
        lines: ``(text, box)`` in pixels of the OCR page.
        ocr_size: ``(width, height)`` of the OCR page; the image's if None.
        draw: Paint every box black on the white image (boxes scaled from
            the OCR page to the image), so tests can check which pixels a
            token's box covers.

    Returns:
        str: The image path.
    """
    width, height = size
    ocr_w, ocr_h = ocr_size or size
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    if draw:
        for _, (x0, y0, x1, y1) in lines:
            sx, sy = width / ocr_w, height / ocr_h
            image[int(round(y0 * sy)):int(round(y1 * sy)),
                  int(round(x0 * sx)):int(round(x1 * sx))] = 0
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    img_path = osp.join(root, 'images', name + '.png')
    Image.fromarray(image).save(img_path)
    write_ocr_json(
        osp.join(root, 'ocr', name + '.json'), ocr_w, ocr_h,
        [dict(text=text, box=list(box)) for text, box in lines], 'test')
    return img_path
