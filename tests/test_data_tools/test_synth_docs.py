import hashlib
import json

import pytest
from PIL import Image

import synth_docs

CDLA_CLASSES = ['Text', 'Title', 'Figure', 'Figure caption', 'Table',
                'Table caption', 'Header', 'Footer', 'Reference', 'Equation']


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(
        p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob('*')) if p.is_file()}


def render(out, *extra):
    synth_docs.main(['--out', str(out), '--num-pages', '6', '--width', '360',
                     *extra])
    return json.loads((out / 'annotations.json').read_text())


def test_same_seed_gives_the_same_files_whatever_the_workers(tmp_path):
    render(tmp_path / 'a', '--seed', '3')
    render(tmp_path / 'b', '--seed', '3', '--workers', '2')
    render(tmp_path / 'c', '--seed', '4')
    a, b, c = (digest(tmp_path / x) for x in 'abc')
    assert len(a) == 6 + 6 + 1
    assert a == b
    assert set(a) != set(c)  # file names carry the seed
    a_images = sorted(v for k, v in a.items() if k.startswith('images/'))
    c_images = sorted(v for k, v in c.items() if k.startswith('images/'))
    assert not set(a_images) & set(c_images)


def test_pages_have_valid_ground_truth_and_ocr(tmp_path):
    coco = render(tmp_path, '--seed', '0', '--lang', 'mix')
    assert [c['name'] for c in coco['categories']] == CDLA_CLASSES
    assert len(coco['images']) == 6
    seen = set()
    for image in coco['images']:
        width, height = image['width'], image['height']
        assert Image.open(tmp_path / 'images' / image['file_name']).size == (
            width, height)
        anns = [a for a in coco['annotations'] if a['image_id'] == image['id']]
        assert len(anns) >= 5
        for ann in anns:
            x, y, w, h = ann['bbox']
            assert w > 0 and h > 0
            assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
            seen.add(CDLA_CLASSES[ann['category_id'] - 1])
        ocr = json.loads((tmp_path / 'ocr' / image['file_name'].replace(
            '.jpg', '.json')).read_text())
        assert (ocr['width'], ocr['height']) == (width, height)
        assert len(ocr['lines']) >= 10
        for line in ocr['lines']:
            x0, y0, x1, y1 = line['box']
            assert line['text'].strip()
            assert -2 <= x0 < x1 <= width + 2 and -2 <= y0 < y1 <= height + 2
            assert len(line['quad']) == 4
    assert {'Text', 'Title', 'Header'} <= seen


def test_text_lines_lie_inside_their_text_regions(tmp_path):
    coco = render(tmp_path, '--seed', '1', '--lang', 'en')
    image = coco['images'][0]
    ocr = json.loads((tmp_path / 'ocr' / image['file_name'].replace(
        '.jpg', '.json')).read_text())
    texts = [a['bbox'] for a in coco['annotations']
             if a['image_id'] == image['id'] and a['category_id'] == 1]
    inside = 0
    for line in ocr['lines']:
        x0, y0, x1, y1 = line['box']
        inside += any(bx - 1 <= x0 and x1 <= bx + bw + 1 and by - 1 <= y0
                      and y1 <= by + bh + 1 for bx, by, bw, bh in texts)
    assert inside >= len(ocr['lines']) // 3


def test_publaynet_scheme(tmp_path):
    coco = render(tmp_path, '--seed', '5', '--classes', 'publaynet')
    names = [c['name'] for c in coco['categories']]
    assert names == ['text', 'title', 'list', 'table', 'figure']
    assert {a['category_id'] for a in coco['annotations']} <= set(range(1, 6))


@pytest.mark.parametrize('argv', [['--num-pages', '0'], ['--width', '50']])
def test_bad_arguments_are_refused(tmp_path, argv):
    with pytest.raises(SystemExit):
        synth_docs.main(['--out', str(tmp_path), *argv])
