import json

import pytest
from PIL import Image

import cdla2coco

CLASSES = ['Text', 'Title', 'Figure', 'Figure caption', 'Table',
           'Table caption', 'Header', 'Footer', 'Reference', 'Equation']


def polygon(label, points, shape_type='polygon'):
    return dict(label=label, points=points, group_id=None,
                shape_type=shape_type, flags={})


def write_page(folder, stem, shapes, size=(200, 300), json_size=None):
    Image.new('RGB', size, 'white').save(folder / f'{stem}.jpg')
    width, height = json_size or size
    (folder / f'{stem}.json').write_text(json.dumps(dict(
        version='4.5.6', flags={}, shapes=shapes, imagePath=f'{stem}.jpg',
        imageData=None, imageHeight=height, imageWidth=width)))


@pytest.fixture
def cdla_root(tmp_path):
    """A CDLA-style folder with every kind of problem the converter reports."""
    train = tmp_path / 'train'
    train.mkdir()
    six_points = [[10, 10], [60, 10], [60, 30], [40, 30], [40, 50], [10, 50]]
    write_page(train, 'page_a', [
        polygon('Text', [[10, 10], [110, 10], [110, 60], [10, 60]]),
        polygon('Figure caption', six_points),
        polygon('_background_', [[0, 0], [5, 0], [5, 5]]),  # unknown label
        polygon('Table', [[20, 100], [80, 100]]),  # degenerate: 2 points
        polygon('Title', [[0, 0], [50, 0], [100, 0]]),  # zero area
    ])
    write_page(train, 'page_b', [
        polygon('Equation', [[150, 250], [260, 250], [260, 320], [150, 320]]),
        polygon('header', [[5, 5], [60, 15]], 'rectangle'),  # case differs
    ], json_size=(210, 300))
    Image.new('RGB', (50, 50)).save(train / 'page_c.jpg')  # no JSON
    (train / 'page_d.json').write_text('{"shapes": []}')  # no image
    return tmp_path


def test_converts_polygons_to_coco_with_ten_categories(cdla_root, capsys):
    reports = cdla2coco.main([str(cdla_root), '--splits', 'train'])
    coco = json.loads(
        (cdla_root / 'annotations' / 'instances_train.json').read_text())

    assert [c['name'] for c in coco['categories']] == CLASSES
    assert [c['id'] for c in coco['categories']] == list(range(1, 11))
    assert [i['file_name'] for i in coco['images']] == ['page_a.jpg',
                                                        'page_b.jpg']
    by_category = {CLASSES[a['category_id'] - 1]: a
                   for a in coco['annotations']}
    assert sorted(by_category) == ['Equation', 'Figure caption', 'Header',
                                   'Text']

    six = by_category['Figure caption']
    assert six['bbox'] == [10, 10, 50, 40]
    assert six['area'] == pytest.approx(50 * 20 + 30 * 20)  # an L shape
    assert len(six['segmentation'][0]) == 12

    header = by_category['Header']  # rectangle shape, label in other case
    assert header['bbox'] == [5, 5, 55, 10]

    equation = by_category['Equation']  # clipped to the 200 x 300 image
    assert equation['bbox'] == [150, 250, 50, 50]

    issues = reports['train'].issues
    assert issues['image without json (left out)'] == ['page_c.jpg']
    assert issues['json without image'] == ['page_d.json']
    assert issues['unknown label (shape left out)'] == [
        "page_a.json shape 2 '_background_'"]
    assert issues['degenerate polygon (shape left out)'] == [
        'page_a.json shape 3', 'page_a.json shape 4']
    assert issues['polygon clipped to the image'] == ['page_b.json shape 0']
    assert issues['json size differs from image (image size used)'] == [
        'page_b.json']
    assert reports['train'].unknown_labels == {'_background_': 1}

    printed = capsys.readouterr().out
    assert 'unknown label (shape left out): 1' in printed
    assert 'image without json (left out): 1' in printed
    saved = json.loads(
        (cdla_root / 'annotations' / 'report_train.json').read_text())
    assert saved['unknown_labels'] == {'_background_': 1}


def test_missing_split_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match='val'):
        cdla2coco.main([str(tmp_path), '--splits', 'val'])


def test_unreadable_json_is_reported_not_fatal(tmp_path):
    split = tmp_path / 'val'
    split.mkdir()
    Image.new('RGB', (20, 20)).save(split / 'x.jpg')
    (split / 'x.json').write_text('{"shapes": [')
    reports = cdla2coco.main([str(tmp_path), '--splits', 'val'])
    (entry, ) = reports['val'].issues['unreadable json (left out)']
    assert entry.startswith('x.json: JSONDecodeError')
