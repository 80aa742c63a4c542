"""Born-digital PDFs built with PDFium, for the PDF tests."""
import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as raw

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
