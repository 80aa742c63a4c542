"""LayoutInferencer on images, folders, arrays and PDFs, with text from an
OCR cache, a PDF text layer or nothing, and pages that fail."""
import json
import os.path as osp
import shutil
import warnings

import numpy as np
import pytest
from helpers.tokenizers import english_bpe_tokenizer

from mmlayout.apis import LayoutInferencer, PageResult

ROOT = osp.join(osp.dirname(__file__), '..', '..')
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')
IMAGE_ONLY = osp.join(ROOT, 'configs', 'demo',
                      'layoutmm-tiny_cascade_synth_image-only.py')


def tiny_options():
    """The demo model with the tests' tokenizer."""
    return {
        'model.backbone.arch_cfg.vocab_size': 400,
        'tokenizer': english_bpe_tokenizer(),
    }


@pytest.fixture(scope='module')
def inferencer():
    return LayoutInferencer(DEMO, score_thr=0.0, batch_size=2,
                            cfg_options=tiny_options())


def check_page(page: PageResult, num_lines: int):
    assert not page.failed, page.error
    assert page.width > 0 and page.height > 0
    assert page.regions, 'a random model still finds regions at threshold 0'
    for region in page.regions:
        x0, y0, x1, y1 = region.box
        assert 0 <= x0 <= x1 <= page.width and 0 <= y0 <= y1 <= page.height
    # Every line is in one region or among the unassigned ones.
    given = sum(len(region.lines) for region in page.regions)
    assert given + len(page.unassigned_lines) == num_lines


def test_folder_with_ocr_cache(inferencer, synth_root):
    images = synth_root / 'train' / 'images'
    ocr = synth_root / 'train' / 'ocr'
    inferencer.ocr_cache = str(ocr)
    try:
        pages = list(inferencer(str(images)))
    finally:
        inferencer.ocr_cache = None
    assert [page.page_id for page in pages] == sorted(
        path.stem for path in images.iterdir())
    for page in pages:
        assert page.text_source == 'cache'
        with open(ocr / f'{page.page_id}.json') as f:
            num_lines = sum(bool(line['text'].strip())
                            for line in json.load(f)['lines'])
        check_page(page, num_lines)
        record = json.loads(json.dumps(page.to_dict()))
        assert record['page_id'] == page.page_id and 'image' not in record


def test_class_names_and_image_only_model(synth_root):
    image_only = LayoutInferencer(IMAGE_ONLY, score_thr=0.0,
                                  cfg_options=tiny_options())
    assert not image_only.reads_text
    assert image_only.classes[:2] == ('Text', 'Title')
    page = next(iter(image_only(str(synth_root / 'val' / 'images'))))
    assert page.text_source == 'none'
    check_page(page, 0)


def test_text_aware_model_without_text_warns_once(synth_root):
    inferencer = LayoutInferencer(DEMO, cfg_options=tiny_options())
    images = sorted((synth_root / 'val' / 'images').iterdir())[:2]
    with pytest.warns(UserWarning, match=f"page '{images[0].stem}' has none"):
        first = next(iter(inferencer(str(images[0]))))
    assert first.text_source == 'none'
    with warnings.catch_warnings():
        warnings.filterwarnings('error', 'the model reads the page text')
        assert next(iter(inferencer(str(images[1])))).text_source == 'none'


def test_arrays_and_bad_inputs(inferencer, synth_root, tmp_path):
    good = sorted((synth_root / 'val' / 'images').iterdir())[0]
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG\r\n\x1a\n not really a png')
    truncated = tmp_path / 'truncated.jpg'
    truncated.write_bytes(good.read_bytes()[:200])
    bad_ocr = tmp_path / 'ocr'
    bad_ocr.mkdir()
    shutil.copy(good, tmp_path / 'page.png')
    (bad_ocr / 'page.json').write_text('{"width": 10, "lines": [')
    array = np.full((300, 200, 3), 255, dtype=np.uint8)
    inferencer.ocr_cache = str(bad_ocr)
    try:
        pages = list(inferencer([
            str(tmp_path / 'missing.png'), str(corrupt), str(truncated),
            str(tmp_path / 'page.png'), array, str(good)
        ]))
    finally:
        inferencer.ocr_cache = None
    assert [page.page_id for page in pages] == [
        'missing', 'corrupt', 'truncated', 'page', 'array_0004', good.stem
    ]
    missing, corrupt, truncated, bad_json, array_page, last = pages
    assert 'does not exist' in missing.error
    assert corrupt.failed and truncated.failed
    assert 'page.json' in bad_json.error
    # A page without text (no cache file for it) still works.
    check_page(array_page, 0)
    assert array_page.text_source == 'none'
    assert (array_page.width, array_page.height) == (200, 300)
    check_page(last, 0)


def test_model_failure_keeps_the_text(inferencer, synth_root, monkeypatch):
    images = synth_root / 'train' / 'images'
    first = sorted(images.iterdir())[0]
    with open(synth_root / 'train' / 'ocr' / f'{first.stem}.json') as f:
        num_lines = sum(bool(line['text'].strip())
                        for line in json.load(f)['lines'])

    def out_of_memory(data):
        raise RuntimeError('out of memory')

    monkeypatch.setattr(inferencer.model, 'test_step', out_of_memory)
    inferencer.ocr_cache = str(synth_root / 'train' / 'ocr')
    try:
        page = next(iter(inferencer(str(first))))
    finally:
        inferencer.ocr_cache = None
    assert page.error == 'RuntimeError: out of memory'
    assert not page.regions and len(page.unassigned_lines) == num_lines


@pytest.mark.parametrize('every, releases', [(3, 2), (1, 4), (0, 0)])
def test_memory_released_every_n_pages(inferencer, synth_root, monkeypatch,
                                       every, releases):
    import mmlayout.apis.layout_inferencer as module
    calls = []
    monkeypatch.setattr(module, 'release_free_heap_memory',
                        lambda: calls.append(1) or True)
    monkeypatch.setattr(inferencer, 'release_memory_every', every)
    monkeypatch.setattr(inferencer, '_pages_since_release', 0)
    images = sorted((synth_root / 'train' / 'images').iterdir())
    pages = list(inferencer([str(path) for path in images[:4] * 2]))
    assert len(pages) == 8 and not any(page.failed for page in pages)
    assert len(calls) == releases


def test_pdf_text_layer_and_broken_pdfs(inferencer, tmp_path):
    pdfium = pytest.importorskip('pypdfium2')
    from helpers.pdfs import DRAWN, make_pdf
    make_pdf(tmp_path / 'paper.pdf')
    empty = pdfium.PdfDocument.new()
    empty.save(str(tmp_path / 'empty.pdf'))
    empty.close()
    (tmp_path / 'broken.pdf').write_bytes(b'%PDF-1.7 nothing else')
    pages = list(inferencer(str(tmp_path)))
    assert [page.page_id for page in pages] == [
        'broken', 'empty', 'paper_0001', 'paper_0002'
    ]
    broken, empty_pdf, with_text, scanned = pages
    assert 'broken.pdf' in broken.error
    # PDFium refuses to open a PDF without pages.
    assert 'empty.pdf' in empty_pdf.error
    assert with_text.text_source == 'pdf' and with_text.page_index == 0
    check_page(with_text, len(DRAWN))
    texts = {line.text for region in with_text.regions
             for line in region.lines} | {
                 line.text for line in with_text.unassigned_lines}
    assert texts == {text for text, *_ in DRAWN}
    assert scanned.text_source == 'none' and not scanned.failed


def test_bad_arguments():
    with pytest.raises(ValueError, match='batch_size'):
        LayoutInferencer(DEMO, batch_size=0, cfg_options=tiny_options())
    with pytest.raises(FileNotFoundError, match='OCR cache'):
        LayoutInferencer(DEMO, ocr_cache='/no/such/folder',
                         cfg_options=tiny_options())
    with pytest.raises(ValueError, match='release_memory_every'):
        LayoutInferencer(DEMO, release_memory_every=-1,
                         cfg_options=tiny_options())
