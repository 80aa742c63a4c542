"""The OCR engine interface: an image in, text lines in pixels out."""
from abc import ABCMeta, abstractmethod
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageOps

Box = Tuple[float, float, float, float]
Quad = Tuple[Tuple[float, float], Tuple[float, float], Tuple[float, float],
             Tuple[float, float]]
ImageInput = Union[str, Image.Image, np.ndarray]


class OCRLine(NamedTuple):
    """One recognised text line (or segment) of a page.

    All coordinates are pixels of the image the engine was given.

    Attributes:
        text (str): The recognised text.
        box (tuple[float]): Axis-aligned box ``(x0, y0, x1, y1)``.
        score (float, optional): Recognition confidence in ``[0, 1]``.
        quad (tuple, optional): The detected polygon as four ``(x, y)``
            points, clockwise from the top-left one.
    """
    text: str
    box: Box
    score: Optional[float] = None
    quad: Optional[Quad] = None

    def to_dict(self) -> dict:
        """The line as an OCR JSON ``lines`` entry (``None`` fields left
        out)."""
        line = dict(text=self.text, box=list(self.box))
        if self.score is not None:
            line['score'] = self.score
        if self.quad is not None:
            line['quad'] = [list(point) for point in self.quad]
        return line


def load_image_rgb(image: ImageInput) -> np.ndarray:
    """Read an image as an ``(H, W, 3)`` uint8 RGB array.

    Files are read with PIL and turned upright by their EXIF orientation, as
    OpenCV (and so mmcv's ``LoadImageFromFile``) does; 16-bit grey images
    keep their top 8 bits (as OpenCV does), CMYK, palette, grey and RGBA
    images are converted to RGB (alpha dropped).

    Args:
        image (str | PIL.Image.Image | np.ndarray): A path, a PIL image, or an
            array of shape ``(H, W)`` (grey) or ``(H, W, 3)`` (RGB).
    """
    if isinstance(image, np.ndarray):
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError('expected an (H, W) or (H, W, 3) image array, '
                             f'got shape {image.shape}')
        return np.ascontiguousarray(image, dtype=np.uint8)
    if not isinstance(image, Image.Image):
        with Image.open(image) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    if image.mode.startswith('I'):
        # 16-bit (and 32-bit integer) grey: PIL's convert('RGB') would clip
        # every value above 255 to white; keep the top 8 bits, as OpenCV
        # (and so LoadImageFromFile) does.
        grey = np.asarray(image).astype(np.int64)
        grey = (grey >> 8) if grey.max(initial=0) > 255 else grey
        return load_image_rgb(grey.clip(0, 255).astype(np.uint8))
    return np.asarray(image.convert('RGB'))


def lines_from_quads(
        quads: Union[np.ndarray, Sequence],
        texts: Sequence[str],
        scores: Optional[Sequence[float]] = None) -> List[OCRLine]:
    """Build :class:`OCRLine` objects from an engine's polygons.

    Lines whose text is empty or only whitespace are dropped.

    Args:
        quads: ``(N, 4, 2)`` polygon points in pixels.
        texts: ``N`` recognised strings.
        scores: ``N`` confidences, or None.
    """
    quads = np.asarray(quads, dtype=np.float64).reshape(-1, 4, 2)
    if not len(quads) == len(texts) == (
            len(texts) if scores is None else len(scores)):
        raise ValueError(f'OCR result has {len(quads)} polygons, '
                         f'{len(texts)} texts and '
                         f'{"no" if scores is None else len(scores)} scores')
    lows = quads.min(axis=1).round(2)
    highs = quads.max(axis=1).round(2)
    lines = []
    for i, text in enumerate(texts):
        text = str(text)
        if not text.strip():
            continue
        lines.append(
            OCRLine(
                text=text,
                box=(float(lows[i, 0]), float(lows[i, 1]),
                     float(highs[i, 0]), float(highs[i, 1])),
                score=None if scores is None else round(float(scores[i]), 5),
                quad=tuple((float(x), float(y))
                           for x, y in quads[i].round(2))))
    return lines


class BaseOCREngine(metaclass=ABCMeta):
    """Base class of OCR engines.

    Subclasses implement :meth:`recognize` on an RGB array; calling the
    engine accepts a path, a PIL image or an array.
    """

    #: Short name used by :func:`build_ocr_engine` and the tools.
    name: str = ''

    @property
    @abstractmethod
    def version(self) -> str:
        """Engine name and version, written to the OCR JSON ``engine``
        field."""

    @abstractmethod
    def recognize(self, image: np.ndarray) -> List[OCRLine]:
        """Recognise the text lines of an ``(H, W, 3)`` uint8 RGB image.

        Returns:
            list[OCRLine]: Lines in pixel coordinates of ``image``.
        """

    def __call__(self, image: ImageInput) -> List[OCRLine]:
        """Recognise the text lines of an image.

        Args:
            image (str | PIL.Image.Image | np.ndarray): A path, a PIL image
                or an ``(H, W, 3)`` uint8 RGB array.

        Returns:
            list[OCRLine]: Lines in pixel coordinates of the (EXIF-upright)
            image.
        """
        return self.recognize(load_image_rgb(image))
