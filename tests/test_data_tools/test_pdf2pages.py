import os

import numpy as np
import pdf2pages
import pytest
from PIL import Image

from mmlayout.ocr import load_ocr_json

pdfium = pytest.importorskip('pypdfium2')
raw = pytest.importorskip('pypdfium2.raw')
from helpers.pdfs import DRAWN, make_pdf  # noqa: E402


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


def test_rerun_renders_only_missing_pages(tmp_path):
    make_pdf(tmp_path / 'paper.pdf')
    out = tmp_path / 'out'
    args = [str(tmp_path / 'paper.pdf'), '--out', str(out), '--dpi', '50']
    assert pdf2pages.main(args) == 0
    first, second = (out / 'images' / f'paper_000{i}.png' for i in (1, 2))
    kept = first.stat().st_mtime_ns, first.stat().st_ino
    second.unlink()  # as if killed before this page
    assert pdf2pages.main(args) == 0
    assert (first.stat().st_mtime_ns, first.stat().st_ino) == kept
    assert second.exists()
    assert not list(out.rglob('.*.tmp'))
