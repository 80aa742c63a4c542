"""Bad inputs at every entry point a user feeds files to, as a table.

Each case builds one kind of bad (or awkward) input and checks its
documented outcome: an error naming the file and the field, or a fallback
that gives correct values. docs/robustness.md lists every kind (checked by
``test_every_kind_is_documented``).
"""
import json
import os.path as osp
from typing import Callable, NamedTuple

import numpy as np
import pytest
from helpers.tokenizers import english_bpe_tokenizer
from mmdet.registry import DATASETS
from PIL import Image

from mmlayout.apis import LayoutInferencer
from mmlayout.datasets.transforms import OCRTokenLoad
from mmlayout.ocr import OCRFormatError, load_image_rgb, load_ocr_json

ROOT = osp.join(osp.dirname(__file__), '..', '..')
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')


class Case(NamedTuple):
    kind: str
    entry: str
    run: Callable  # (tmp_path, fixtures) -> None; asserts the outcome


CASES = []


def case(kind, entry):
    def register(function):
        CASES.append(Case(kind, entry, function))
        return function

    return register


# --- OCR JSON: load_ocr_json (used by OCRTokenLoad, the inferencer) -------
def write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else
                     content.encode('utf-8'))
    return str(path)


def ocr_error(content, field_pattern):
    def run(tmp_path, _):
        path = write(tmp_path / 'page.json', content)
        with pytest.raises(OCRFormatError, match=field_pattern) as info:
            load_ocr_json(path)
        assert path in str(info.value)

    return run


def page(lines, width=100, height=50):
    return json.dumps(dict(width=width, height=height, lines=lines))


for kind, content, pattern in [
    ('OCR JSON: empty file', b'', 'not valid JSON'),
    ('OCR JSON: invalid JSON', '{"width": 10, "lines": [', 'not valid JSON'),
    ('OCR JSON: not UTF-8', b'{"width": 1, "text": "\xff\xfe"}',
     'not valid JSON'),
    ('OCR JSON: a list, not an object', '[1, 2]', 'JSON object'),
    ('OCR JSON: no lines field', '{"width": 10, "height": 10}',
     "'lines' is missing"),
    ('OCR JSON: lines not a list', page('x'), "'lines'"),
    ('OCR JSON: box with NaN', page([dict(text='a', box=[0, 0, 'NaN', 1])]),
     r"lines\[0\]\.box"),
    ('OCR JSON: box with NaN (JSON NaN token)',
     '{"width": 9, "height": 9, "lines": [{"text": "a", "box": [0, 0, NaN, '
     '1]}]}', r"lines\[0\]\.box"),
    ('OCR JSON: box with Infinity',
     '{"width": 9, "height": 9, "lines": [{"text": "a", "box": [0, 0, '
     'Infinity, 1]}]}', r"lines\[0\]\.box"),
    ('OCR JSON: box of 3 numbers', page([dict(text='a', box=[0, 0, 1])]),
     r"lines\[0\]\.box"),
    ('OCR JSON: text not a string', page([dict(text=7, box=[0, 0, 1, 1])]),
     r"lines\[0\]\.text"),
    ('OCR JSON: width 0', page([], width=0), "'width'"),
    ('OCR JSON: negative height', page([], height=-5), "'height'"),
]:
    CASES.append(Case(kind, 'load_ocr_json', ocr_error(content, pattern)))


# --- OCRTokenLoad + PackLayoutInputs: the training/test text path ---------
def token_results(tmp_path, lines, width=100, height=50, image_size=None):
    """Run LoadImageFromFile, OCRTokenLoad, Resize, PackLayoutInputs on a
    white page with an OCR JSON of ``lines``."""
    from mmdet.registry import TRANSFORMS
    from mmengine.dataset import Compose
    image_w, image_h = image_size or (width, height)
    (tmp_path / 'ocr').mkdir(exist_ok=True)
    Image.new('RGB', (image_w, image_h), 'white').save(tmp_path / 'p.png')
    write(tmp_path / 'ocr' / 'p.json', page(lines, width, height))
    pipeline = Compose([
        TRANSFORMS.build(t) for t in [
            dict(type='LoadImageFromFile'),
            dict(type='OCRTokenLoad', tokenizer=english_bpe_tokenizer(),
                 ocr_root=str(tmp_path / 'ocr')),
            dict(type='Resize', scale=(128, 96), keep_ratio=True),
            dict(type='PackLayoutInputs')
        ]
    ])
    return pipeline(dict(img_path=str(tmp_path / 'p.png'), img_id=0))


@case('OCR JSON: reversed box (x1 < x0)', 'OCRTokenLoad')
def _(tmp_path, _):
    packed = token_results(tmp_path, [dict(text='word', box=[80, 40, 20, 10])])
    boxes = packed['data_samples'].text.bboxes[1:-1]
    assert (boxes == boxes[0]).all()
    assert boxes[0].tolist() == [200, 200, 800, 800]


@case('OCR JSON: negative coordinates and beyond the page', 'OCRTokenLoad')
def _(tmp_path, _):
    packed = token_results(tmp_path,
                           [dict(text='word', box=[-30, -5, 150, 60])])
    assert packed['data_samples'].text.bboxes[1].tolist() == [0, 0, 1000, 1000]


@case('OCR JSON: 5000 lines', 'OCRTokenLoad')
def _(tmp_path, _):
    lines = [dict(text=f'line {i}', box=[0, i % 50, 10, i % 50 + 1])
             for i in range(5000)]
    packed = token_results(tmp_path, lines)
    ids = packed['data_samples'].text.input_ids
    assert len(ids) == 512  # the budget, lines spread over the page


@case('OCR JSON: empty and whitespace-only lines', 'OCRTokenLoad')
def _(tmp_path, _):
    packed = token_results(tmp_path, [dict(text='  ', box=[0, 0, 9, 9]),
                                      dict(text='', box=[0, 0, 9, 9])])
    assert len(packed['data_samples'].text.input_ids) == 2  # <s> </s>


@case('OCR JSON: another resolution, same aspect ratio', 'OCRTokenLoad')
def _(tmp_path, _):
    packed = token_results(tmp_path, [dict(text='w', box=[50, 25, 100, 50])],
                           width=200, height=100, image_size=(100, 50))
    assert packed['data_samples'].text.bboxes[1].tolist() == [
        250, 250, 500, 500]


@case('OCR JSON: another aspect ratio than the image', 'OCRTokenLoad')
def _(tmp_path, _):
    with pytest.raises(ValueError, match=r'p\.json.*another aspect ratio'):
        token_results(tmp_path, [dict(text='w', box=[0, 0, 5, 5])],
                      width=100, height=100, image_size=(100, 50))


@case('OCR JSON: missing file', 'OCRTokenLoad')
def _(tmp_path, _):
    Image.new('RGB', (20, 20)).save(tmp_path / 'p.png')
    load = OCRTokenLoad(tokenizer=english_bpe_tokenizer())
    with pytest.raises(FileNotFoundError, match=r'p\.json.*ocr_images'):
        load(dict(img_path=str(tmp_path / 'p.png')))


# --- Images: the inferencer (and load_image_rgb, shared with OCR) ---------
def inferred(fixtures, inputs):
    return list(fixtures['inferencer'](inputs))


def failed_page(make):
    def run(tmp_path, fixtures):
        path = make(tmp_path)
        result, = inferred(fixtures, [path])
        assert result.failed and result.regions == []
        assert osp.basename(path) in result.error

    return run


def good_page(make, size):
    def run(tmp_path, fixtures):
        path = make(tmp_path)
        result, = inferred(fixtures, [path])
        assert not result.failed, result.error
        assert (result.width, result.height) == size

    return run


def save(name, image, **kwargs):
    def make(tmp_path):
        path = str(tmp_path / name)
        image.save(path, **kwargs)
        return path

    return make


def raw_file(name, content):
    return lambda tmp_path: write(tmp_path / name, content)


def truncated(tmp_path):
    Image.new('RGB', (300, 200), 'white').save(tmp_path / 'full.jpg')
    return write(tmp_path / 'cut.jpg',
                 (tmp_path / 'full.jpg').read_bytes()[:300])


def empty_folder(tmp_path):
    (tmp_path / 'pages').mkdir()
    return str(tmp_path / 'pages')


def exif_rotated(tmp_path):
    image = Image.new('RGB', (200, 100), 'white')
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = str(tmp_path / 'photo.jpg')
    image.save(path, exif=exif)
    return path


grey16 = Image.fromarray(
    (np.arange(200 * 300).reshape(200, 300) * 7 % 65536).astype(np.uint16))
for kind, run in [
    ('image: missing file', failed_page(lambda t: str(t / 'gone.png'))),
    ('image: zero bytes', failed_page(raw_file('zero.png', b''))),
    ('image: random bytes', failed_page(raw_file('junk.png', b'\x00' * 99))),
    ('image: truncated JPEG', failed_page(truncated)),
    ('input: a folder without images', failed_page(empty_folder)),
    ('image: grayscale', good_page(
        save('grey.png', Image.new('L', (90, 60))), (90, 60))),
    ('image: RGBA', good_page(
        save('rgba.png', Image.new('RGBA', (90, 60))), (90, 60))),
    ('image: palette', good_page(
        save('pal.png', Image.new('P', (90, 60))), (90, 60))),
    ('image: CMYK JPEG', good_page(
        save('cmyk.jpg', Image.new('CMYK', (90, 60))), (90, 60))),
    ('image: 16-bit grey PNG', good_page(save('g16.png', grey16), (300, 200))),
    ('image: EXIF-rotated photo', good_page(exif_rotated, (100, 200))),
]:
    CASES.append(Case(kind, 'LayoutInferencer', run))


@case('image: 16-bit values keep their top 8 bits (not clipped)',
      'load_image_rgb')
def _(tmp_path, _):
    grey16.save(tmp_path / 'g16.png')
    array = load_image_rgb(str(tmp_path / 'g16.png'))
    expected = (np.asarray(grey16).astype(np.int64) >> 8).astype(np.uint8)
    assert (array[..., 0] == expected).all()


@case('image: huge page (10000 x 7000)', 'LayoutInferencer')
def _(tmp_path, fixtures):
    Image.new('RGB', (10000, 7000), 'white').save(tmp_path / 'huge.jpg')
    result, = inferred(fixtures, [str(tmp_path / 'huge.jpg')])
    # The test pipeline resizes it (short side 512): no out-of-memory.
    assert not result.failed and (result.width, result.height) == (10000,
                                                                   7000)


@case('OCR cache: unreadable file for the page', 'LayoutInferencer')
def _(tmp_path, fixtures):
    Image.new('RGB', (60, 40), 'white').save(tmp_path / 'p.png')
    (tmp_path / 'ocr').mkdir()
    write(tmp_path / 'ocr' / 'p.json', '{"lines": 3')
    inferencer = fixtures['inferencer']
    inferencer.ocr_cache = str(tmp_path / 'ocr')
    try:
        result, = inferred(fixtures, [str(tmp_path / 'p.png')])
    finally:
        inferencer.ocr_cache = None
    assert result.failed and 'p.json' in result.error


# --- PDFs: the inferencer and pdf2pages.py -------------------------------
@case('PDF: corrupt', 'LayoutInferencer')
def _(tmp_path, fixtures):
    write(tmp_path / 'bad.pdf', b'%PDF-1.4\n garbage')
    result, = inferred(fixtures, [str(tmp_path / 'bad.pdf')])
    assert result.failed and 'bad.pdf' in result.error


@case('PDF: zero bytes', 'pdf2pages.py')
def _(tmp_path, _):
    pytest.importorskip('pypdfium2')
    import pdf2pages
    write(tmp_path / 'empty.pdf', b'')
    assert pdf2pages.main([str(tmp_path / 'empty.pdf'), '--out',
                           str(tmp_path / 'out')]) == 1


# --- COCO annotation files: the datasets ---------------------------------
def coco(**changes):
    data = dict(
        images=[dict(id=1, file_name='a.png', width=50, height=50),
                dict(id=2, file_name='b.png', width=50, height=50)],
        annotations=[dict(id=1, image_id=1, category_id=1, bbox=[1, 1, 9, 9],
                          area=81, iscrowd=0),
                     dict(id=2, image_id=2, category_id=1, bbox=[1, 1, 9, 9],
                          area=81, iscrowd=0)],
        categories=[dict(id=1, name='text')])
    data.update(changes)
    return data


def dataset_error(data, pattern):
    def run(tmp_path, _):
        path = tmp_path / 'ann.json'
        path.write_text(json.dumps(data))
        with pytest.raises(ValueError, match=pattern) as info:
            DATASETS.build(dict(
                type='PubLayNetDataset', ann_file=str(path),
                data_prefix=dict(img=str(tmp_path)), pipeline=[]))
        assert 'ann.json' in str(info.value)

    return run


base = coco()
for kind, data, pattern in [
    ('COCO: duplicate image ids',
     coco(images=[base['images'][0], dict(base['images'][1], id=1)]),
     "'images'.*more than once"),
    ('COCO: duplicate annotation ids',
     coco(annotations=[base['annotations'][0],
                       dict(base['annotations'][1], id=1)]),
     "'annotations'.*more than once"),
    ('COCO: annotation of a missing image',
     coco(annotations=[dict(base['annotations'][0], image_id=9)]),
     'image ids not in'),
    ('COCO: annotation of a missing category',
     coco(annotations=[dict(base['annotations'][0], category_id=4)]),
     'category ids not in'),
    ('COCO: bbox with null', coco(annotations=[
        dict(base['annotations'][0], bbox=[1, 1, None, 2])]), "'bbox'"),
]:
    CASES.append(Case(kind, 'LayoutCocoDataset', dataset_error(data,
                                                               pattern)))


# --- The runner -----------------------------------------------------------
@pytest.fixture(scope='module')
def fixtures():
    return dict(inferencer=LayoutInferencer(
        DEMO, score_thr=0.0, cfg_options={
            'model.backbone.arch_cfg.vocab_size': 400,
            'tokenizer': english_bpe_tokenizer()
        }))


@pytest.mark.parametrize('case', CASES, ids=[c.kind for c in CASES])
def test_bad_input(case, tmp_path, fixtures):
    case.run(tmp_path, fixtures)


def test_every_kind_is_documented():
    with open(osp.join(ROOT, 'docs', 'robustness.md'),
              encoding='utf-8') as f:
        doc = f.read()
    missing = [c.kind for c in CASES if f'| {c.kind} |' not in doc]
    assert not missing, f'docs/robustness.md lacks rows for {missing}'
