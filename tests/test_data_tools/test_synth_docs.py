import hashlib
import json
import random
import re

import pytest
from PIL import Image

import synth_docs
from synthdocs import blocks, decided, vocab
from synthdocs.canvas import Canvas
from synthdocs.layout import render_page
from synthdocs.page import Page

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


# ------------------------------------------------------- --text-decided pages
HEADING = re.compile(r'^\d+(\.\d+)? \S')
SECTION_NAMES = set(vocab.EN_SECTIONS) | set(vocab.ZH_SECTIONS)


@pytest.fixture(scope='module')
def decided_pages(tmp_path_factory):
    """8 text-decided pages (both languages) at full width, and their OCR."""
    out = tmp_path_factory.mktemp('decided')
    synth_docs.main(['--out', str(out), '--num-pages', '8', '--seed', '2',
                     '--lang', 'mix', '--text-decided'])
    coco = json.loads((out / 'annotations.json').read_text())
    pages = []
    for image in coco['images']:
        ocr = json.loads((out / 'ocr' / image['file_name'].replace(
            '.jpg', '.json')).read_text())
        regions = [(CDLA_CLASSES[a['category_id'] - 1], a['bbox'])
                   for a in coco['annotations']
                   if a['image_id'] == image['id']]
        pages.append([(label, bbox, lines_inside(bbox, ocr['lines']))
                      for label, bbox in regions])
    return pages


def lines_inside(bbox, lines):
    """Texts of the OCR lines inside a COCO bbox, top to bottom."""
    bx, by, bw, bh = bbox
    inside = [line for line in lines
              if bx - 1 <= line['box'][0] and line['box'][2] <= bx + bw + 1
              and by - 1 <= line['box'][1] and line['box'][3] <= by + bh + 1]
    return [line['text'] for line in sorted(
        inside, key=lambda line: (line['box'][1], line['box'][0]))]


def is_short_text(label, texts):
    """A one-line Text block of a sentence fragment (not the authors)."""
    return (label == 'Text' and len(texts) == 1
            and texts[0][-1] in '.:,。：，')


def test_text_decided_is_deterministic_and_differs_from_default(tmp_path):
    render(tmp_path / 'a', '--seed', '2', '--text-decided')
    render(tmp_path / 'b', '--seed', '2', '--text-decided')
    render(tmp_path / 'c', '--seed', '2')
    render(tmp_path / 'd', '--seed', '2')
    a, b, c, d = (digest(tmp_path / x) for x in 'abcd')
    assert a == b
    assert c == d
    assert set(a) == set(c)  # the same file names ...
    assert all(a[name] != c[name] for name in a)  # ... all with new content


def test_text_decided_pages_hold_both_members_of_each_pair(decided_pages):
    seen = {label for page in decided_pages for label, _, _ in page}
    assert {'Text', 'Reference', 'Figure', 'Table', 'Figure caption',
            'Table caption', 'Title'} <= seen
    headings = [texts for page in decided_pages for label, _, texts in page
                if label == 'Title' and texts and HEADING.match(texts[0])]
    short = [texts for page in decided_pages for label, _, texts in page
             if is_short_text(label, texts)]
    assert len(headings) >= 3 and len(short) >= 3
    references = sum(label == 'Reference' for page in decided_pages
                     for label, _, _ in page)
    paragraphs = sum(label == 'Text' and len(texts) >= 2
                     for page in decided_pages for label, _, texts in page)
    assert 0.5 <= references / paragraphs <= 2


def test_text_decided_labels_agree_with_the_words(decided_pages):
    for page in decided_pages:
        graphics = []
        for label, bbox, texts in page:
            first = texts[0] if texts else ''
            if label == 'Reference':
                assert re.match(r'\[\d+\] ', first), first
            elif label == 'Text':
                assert not first.startswith('[')
                assert not HEADING.match(first), first
            elif label == 'Figure caption':
                assert first.startswith(('Figure ', '图')), first
            elif label == 'Table caption':
                assert first.startswith(('Table ', '表')), first
            elif label == 'Title' and HEADING.match(first):
                assert texts == [first]
                assert first.split(' ', 1)[1] in SECTION_NAMES
            elif label == 'Title':  # the paper's title, atop the page
                assert all(bbox[1] < b[1] for lab, b, _ in page
                           if lab not in ('Title', 'Header'))
            elif label in ('Figure', 'Table'):
                assert not texts  # a placeholder: nothing to read
                graphics.append((label, bbox))
        # The caption nearest to each graphic names its class.
        captions = [(label, bbox) for label, bbox, _ in page
                    if label.endswith('caption')]
        for label, (x, y, w, h) in graphics:
            near = min(
                captions,
                key=lambda c: min(abs(c[1][1] - (y + h)),
                                  abs(c[1][1] + c[1][3] - y)) +
                (0 if c[1][0] < x + w and x < c[1][0] + c[1][2] else 1e6))
            assert near[0] == f'{label} caption'


def record_text(monkeypatch):
    """Record the font, size, weight and origin of every drawn line."""
    calls = []
    put_text = Canvas.put_text

    def recording(self, x, y, text, font, size, bold=False):
        box = put_text(self, x, y, text, font, size, bold)
        calls.append(dict(x=x, y=y, text=text, style=(font, size, bold),
                          box=box))
        return box

    monkeypatch.setattr(Canvas, 'put_text', recording)
    return calls


def drawn_lines(calls, region):
    x0, y0, x1, y1 = region.box
    return [c for c in calls if x0 - 1 <= c['box'][0] and c['box'][2] <= x1 + 1
            and y0 - 1 <= c['box'][1] and c['box'][3] <= y1 + 1]


def test_text_decided_look_alikes_are_typeset_identically(monkeypatch):
    calls = record_text(monkeypatch)
    compared = dict(body=0, one_line=0, captions=0)
    for index in range(6):
        del calls[:]
        _, regions, _ = render_page(2, index, 'mix', 720, text_decided=True)
        looks = {}  # kind -> {(style, pitch, continuation indent)}
        for region in regions:
            lines = drawn_lines(calls, region)
            if not lines or lines[0]['text'].startswith(('Abstract', '摘要')):
                continue
            first = lines[0]['text']
            if region.label == 'Reference' or (region.label == 'Text'
                                               and len(lines) >= 2):
                kind = region.label
            elif region.label == 'Title' and HEADING.match(first):
                kind = 'heading'
            elif is_short_text(region.label, [first]):
                kind = 'short text'
            elif region.label.endswith('caption'):
                kind = region.label
            else:
                continue
            pitches = {round(b['y'] - a['y'], 6)
                       for a, b in zip(lines, lines[1:])}
            # how far continuation lines start right of the leftmost line
            left = {round(c['x'] - min(d['x'] for d in lines), 6)
                    for c in lines[1:]}
            looks.setdefault(kind, set()).add(
                (lines[0]['style'], tuple(pitches), tuple(left)))
        body = looks.get('Text', set()) | looks.get('Reference', set())
        if 'Text' in looks and 'Reference' in looks:
            assert len(body) == 1, body  # one look for both
            compared['body'] += 1
        one_line = looks.get('heading', set()) | looks.get('short text',
                                                           set())
        for style, _, _ in one_line:
            assert style == next(iter(body))[0]  # body type, not bold
        compared['one_line'] += 'heading' in looks and 'short text' in looks
        captions = (looks.get('Figure caption', set())
                    | looks.get('Table caption', set()))
        assert len({style for style, _, _ in captions}) <= 1
        compared['captions'] += ('Figure caption' in looks
                                 and 'Table caption' in looks)
    assert compared['body'] >= 4 and compared['one_line'] >= 1
    assert compared['captions'] >= 1


def twin_pages(lang, seed=11):
    return [Page(random.Random(seed), lang, 600) for _ in range(2)]


@pytest.mark.parametrize('lang', ['en', 'zh'])
def test_figure_and_table_placeholders_are_drawn_alike(lang):
    pages = twin_pages(lang)
    made = [decided.captioned_placeholder(page, kind, 400, 1000)
            for page, kind in zip(pages, ('Figure', 'Table'))]
    assert made[0].height == made[1].height
    for block in made:
        block.paint(50, 80)
    (fig, fig_caption), (tab, tab_caption) = (
        sorted(page.canvas.regions, key=lambda r: r.label.endswith('caption'))
        for page in pages)
    assert (fig.label, fig_caption.label) == ('Figure', 'Figure caption')
    assert (tab.label, tab_caption.label) == ('Table', 'Table caption')
    assert fig.box == tab.box
    crops = [page.canvas.image.crop(tuple(map(round, fig.box))).tobytes()
             for page in pages]
    assert crops[0] == crops[1]
    assert fig_caption.box[1] == tab_caption.box[1]
    lines = [page.canvas.lines for page in pages]
    assert len(lines[0]) == len(lines[1])
    assert lines[0][0]['text'].startswith(('Figure ', '图'))
    assert lines[1][0]['text'].startswith(('Table ', '表'))


@pytest.mark.parametrize('lang', ['en', 'zh'])
def test_paragraph_and_reference_blocks_have_the_same_shape(lang):
    for seed in range(5):
        pages = twin_pages(lang, seed)
        made = [blocks.body_block(page, label, 300, 1000,
                                  decided.MAX_BODY_LINES)
                for page, label in zip(pages, ('Text', 'Reference'))]
        assert made[0].height == made[1].height
        for block in made:
            block.paint(40, 60)
        text, reference = (page.canvas.lines for page in pages)
        assert len(text) == len(reference)
        assert reference[0]['text'].startswith('[')
        # no hanging indent: continuation lines start where a paragraph's do
        assert abs(text[1]['box'][0] - reference[1]['box'][0]) <= 2


def test_font_scale_gives_larger_print(tmp_path):
    # At the default width (at 360 px the smallest type is clamped).
    normal = render(tmp_path / 'a', '--seed', '5', '--text-decided',
                    '--width', '720')
    large = render(tmp_path / 'b', '--seed', '5', '--text-decided',
                   '--width', '720', '--font-scale', '2')

    def stats(coco, folder):
        lines = [line for image in coco['images']
                 for line in json.loads((folder / 'ocr' / image['file_name']
                                         .replace('.jpg', '.json'))
                                        .read_text())['lines']]
        heights = sorted(line['box'][3] - line['box'][1] for line in lines)
        return len(coco['annotations']), heights[len(heights) // 2]

    normal_regions, normal_line = stats(normal, tmp_path / 'a')
    large_regions, large_line = stats(large, tmp_path / 'b')
    assert 1.6 * normal_line <= large_line <= 2.4 * normal_line
    assert large_regions < 0.8 * normal_regions
    for image in large['images']:
        for ann in large['annotations']:
            if ann['image_id'] == image['id']:
                x, y, w, h = ann['bbox']
                assert x + w <= image['width'] and y + h <= image['height']
    with pytest.raises(SystemExit):
        synth_docs.main(['--out', str(tmp_path / 'c'), '--font-scale', '9'])
