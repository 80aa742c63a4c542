import ctypes
import os

import numpy as np
import pdf2pages
import pytest
from PIL import Image

from mmlayout.ocr import load_ocr_json

pdfium = pytest.importorskip('pypdfium2')
raw = pytest.importorskip('pypdfium2.raw')

# (text, x, y of the baseline in PDF points, font size)
DRAWN = [
    ('A Study of Page Layouts', 180, 740, 18),
    ('Left column, first line of text', 72, 690, 10),
    ('Left column, second line', 72, 676, 10),
    ('Right column starts here', 320, 690, 10),
    ('and ends here.', 320, 676, 10),
    ('Name:', 72, 600, 10),  # two segments on one baseline
    ('Jane Doe', 250, 600, 10),
]


def _add_text(pdf, page, font, text, x, y, size):
    obj = raw.FPDFPageObj_CreateTextObj(pdf, font, size)
    buffer = ctypes.create_string_buffer((text + '\0').encode('utf-16-le'))
    raw.FPDFText_SetText(obj, ctypes.cast(buffer,
                                          ctypes.POINTER(raw.FPDF_WCHAR)))
    raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    raw.FPDFPage_InsertObject(page, obj)


def make_pdf(path, rotation=0):
    """A born-digital page with DRAWN on it, then a page without text."""
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(612, 792)
    font = raw.FPDFText_LoadStandardFont(pdf, b'Helvetica')
    for text, x, y, size in DRAWN:
        _add_text(pdf, page, font, text, x, y, size)
    page.set_rotation(rotation)
    page.gen_content()
    pdf.new_page(612, 792)  # a scanned-like page: no text layer
    pdf.save(str(path))
    pdf.close()


@pytest.mark.parametrize('rotation', [0, 90])
def test_text_layer_matches_drawn_text(tmp_path, rotation):
    make_pdf(tmp_path / 'paper.pdf', rotation)
    out = tmp_path / 'out'
    assert pdf2pages.main([str(tmp_path / 'paper.pdf'), '--out', str(out),
                           '--dpi', '100']) == 0
    assert sorted(os.listdir(out / 'images')) == ['paper_0001.png',
                                                  'paper_0002.png']
    assert os.listdir(out / 'ocr') == ['paper_0001.json']

    image = Image.open(out / 'images' / 'paper_0001.png')
    width, height, lines = load_ocr_json(str(out / 'ocr' / 'paper_0001.json'))
    assert (width, height) == image.size
    assert image.size == ((850, 1100) if rotation == 0 else (1100, 850))
    assert sorted(line.text for line in lines) == sorted(t for t, *_ in DRAWN)

    # every dark pixel lies in a line box, every box holds dark pixels
    dark = np.asarray(image.convert('L')) < 128
    covered = np.zeros_like(dark)
    for line in lines:
        x0, y0, x1, y1 = np.round(line.box).astype(int)
        assert dark[y0:y1, x0:x1].any(), line
        covered[y0:y1, x0:x1] = True
        assert len(line.quad) == 4 and line.score is None
    assert not (dark & ~covered).any()

    if rotation == 0:  # boxes where the text was drawn (1 pt = 100/72 px)
        by_text = {line.text: line.box for line in lines}
        for text, x, y, _ in DRAWN:
            x0, y0, x1, y1 = by_text[text]
            assert abs(x0 - x * 100 / 72) < 2
            assert y0 < (792 - y) * 100 / 72 < y1


def test_missing_input(tmp_path):
    with pytest.raises(ValueError, match='no PDF files'):
        pdf2pages.main([str(tmp_path / '*.pdf'), '--out', str(tmp_path)])
