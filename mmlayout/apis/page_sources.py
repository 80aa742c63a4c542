"""The pages of the inferencer's inputs: images, folders, PDFs, arrays.

Each page is a :class:`PageSource` whose image is read only when the
inferencer gets to it, so that a folder of thousands of pages or a long PDF
is never held in memory at once.
"""
import glob
import os
import os.path as osp
from typing import (Callable, Iterator, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import numpy as np

from mmlayout.ocr import OCRLine, load_image_rgb

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
PDF_EXTENSION = '.pdf'

InputType = Union[str, np.ndarray, Sequence[Union[str, np.ndarray]]]


class PageSource(NamedTuple):
    """One page to run the model on.

    Attributes:
        page_id (str): Unique name of the page (image stem, or
            ``<pdf stem>_<page number from 0001>``).
        source (str): The image or PDF file ('' for an array).
        page_index (int, optional): Page number in the PDF, from 0.
        load (Callable): Returns the page as an ``(H, W, 3)`` RGB uint8
            array and the lines of its PDF text layer (None for images);
            raises when the page cannot be read.
    """
    page_id: str
    source: str
    page_index: Optional[int]
    load: Callable[[], Tuple[np.ndarray, Optional[List[OCRLine]]]]


def list_input_files(path: str) -> List[str]:
    """The images and PDFs of a folder (sorted, not recursive), or the file
    itself.

    Raises:
        FileNotFoundError: When ``path`` does not exist, or is a folder
            without images or PDFs.
    """
    if osp.isdir(path):
        files = sorted(
            osp.join(path, name) for name in os.listdir(path)
            if name.lower().endswith(IMAGE_EXTENSIONS + (PDF_EXTENSION, )))
        if not files:
            raise FileNotFoundError(f'folder {path!r} holds no images '
                                    f'({", ".join(IMAGE_EXTENSIONS)}) or PDFs')
        return files
    if osp.exists(path):
        return [path]
    matches = sorted(glob.glob(path))
    if not matches:
        raise FileNotFoundError(f'input {path!r} does not exist')
    return matches


def _image_page(path: str) -> PageSource:
    stem = osp.splitext(osp.basename(path))[0]
    return PageSource(stem, path, None, lambda: (load_image_rgb(path), None))


def _failing_page(page_id: str, path: str, page_index: Optional[int],
                  error: Exception) -> PageSource:
    """A page whose loading raises ``error``."""

    def load():
        raise error

    return PageSource(page_id, path, page_index, load)


def _pdf_pages(path: str, dpi: float) -> Iterator[PageSource]:
    """The pages of a PDF, rendered one by one as the sources are consumed.
    A PDF that cannot be opened or has no pages gives one failing page; a
    page that cannot be rendered fails and ends the PDF."""
    from mmlayout.ocr.pdf_text import iter_pdf_pages
    stem = osp.splitext(osp.basename(path))[0]
    pages = iter_pdf_pages(path, dpi)
    index = 0
    while True:
        try:
            page = next(pages)
        except StopIteration:
            break
        except Exception as e:  # noqa: BLE001 - reported as the page's error
            if index == 0:
                yield _failing_page(stem, path, None, e)
            else:
                yield _failing_page(f'{stem}_{index + 1:04d}', path, index, e)
            return
        image = np.asarray(page.image)
        yield PageSource(f'{stem}_{index + 1:04d}', path, index,
                         lambda image=image, lines=page.lines: (image, lines))
        index += 1
    if index == 0:
        yield _failing_page(stem, path, None,
                            ValueError(f'PDF {path} has no pages'))


def iter_page_sources(inputs: InputType,
                      pdf_dpi: float = 144) -> Iterator[PageSource]:
    """The pages of the inputs, in order.

    An input that does not exist (or a folder without pages) gives one
    failing page.

    Args:
        inputs: An image or PDF file, a folder of them, a glob, an
            ``(H, W, 3)`` RGB array, or a list of these.
        pdf_dpi (float): Resolution PDF pages are rendered at.
    """
    if isinstance(inputs, (str, np.ndarray)):
        inputs = [inputs]
    for index, item in enumerate(inputs):
        if isinstance(item, np.ndarray):
            array = load_image_rgb(item)
            yield PageSource(f'array_{index:04d}', '', None,
                             lambda array=array: (array, None))
            continue
        try:
            paths = list_input_files(str(item))
        except FileNotFoundError as e:
            stem = osp.splitext(osp.basename(str(item)))[0]
            yield _failing_page(stem, str(item), None, e)
            continue
        for path in paths:
            if path.lower().endswith(PDF_EXTENSION):
                yield from _pdf_pages(path, pdf_dpi)
            else:
                yield _image_page(path)
