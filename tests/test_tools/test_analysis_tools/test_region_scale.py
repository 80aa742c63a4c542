import json

import numpy as np
import pytest
from analysis_tools import region_scale


def coco_pages():
    # Page 1 (1000 x 2000, factor 0.5 at short side 500): a one-line title
    # above a paragraph (gap 20 px), a footer in another column. Page 2
    # (500 x 500, factor 1): one figure.
    return {
        'images': [{'id': 1, 'width': 1000, 'height': 2000},
                   {'id': 2, 'width': 500, 'height': 500}],
        'categories': [{'id': 1, 'name': 'title'}, {'id': 2, 'name': 'text'},
                       {'id': 3, 'name': 'figure'}],
        'annotations': [
            {'id': 1, 'image_id': 1, 'category_id': 1,
             'bbox': [100, 100, 400, 20]},
            {'id': 2, 'image_id': 1, 'category_id': 2,
             'bbox': [100, 140, 400, 200]},
            {'id': 3, 'image_id': 1, 'category_id': 1,
             'bbox': [600, 1900, 100, 24]},
            {'id': 4, 'image_id': 2, 'category_id': 3,
             'bbox': [10, 10, 100, 50]},
        ]}


def test_heights_and_gaps_after_resize():
    stats = region_scale.region_scale(coco_pages(), 500, 1333)
    np.testing.assert_allclose(stats['heights']['title'], [10, 12])
    np.testing.assert_allclose(stats['heights']['text'], [100])
    np.testing.assert_allclose(stats['heights']['figure'], [50])
    # Only the title has a region below it in its column: 20 px -> 10.
    np.testing.assert_allclose(stats['gaps'], [10])


def test_resize_factor_follows_mmdet_keep_ratio():
    # The long side caps the factor: 3000 x 1000 at (1333, 800).
    assert region_scale.resize_factor(1000, 3000, 800, 1333) == \
        pytest.approx(1333 / 3000)
    assert region_scale.resize_factor(1000, 700, 800, 1333) == \
        pytest.approx(800 / 700)


def test_vertical_gaps_need_horizontal_overlap():
    boxes = np.array([[0, 0, 10, 10], [20, 15, 10, 10], [5, 30, 20, 5]],
                     dtype=float)
    # Box 0 -> box 2 (box 1 does not overlap it in x); box 1 -> box 2.
    np.testing.assert_allclose(
        np.sort(region_scale.vertical_gaps(boxes)), [5, 20])
    assert region_scale.vertical_gaps(boxes[:1]).size == 0


def test_report_and_cli(tmp_path, capsys):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco_pages()))
    region_scale.main([str(path), '--short-side', '500', '1000',
                      '--long-side', '4000'])
    out = capsys.readouterr().out
    assert 'short side 500, cells of 16 px' in out
    assert '| title | 2 | 11.0 | 0.69 | 100% | 100% |' in out
    assert '| all | 4 | 31.0 | 1.94 | 50% | 50% |' in out
    assert 'median 10.0 px (0.62 cells)' in out
    # Twice the scale: the titles reach one cell.
    assert '| title | 2 | 22.0 | 1.38 | 0% | 100% |' in out


def test_bad_input_names_the_file(tmp_path):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps({'images': []}))
    with pytest.raises(SystemExit, match='ann.json.*annotations'):
        region_scale.main([str(path)])
    pages = coco_pages()
    pages['annotations'][0]['image_id'] = 7
    path.write_text(json.dumps(pages))
    with pytest.raises(SystemExit, match='annotation 1: image_id 7'):
        region_scale.main([str(path)])
    pages = coco_pages()
    pages['annotations'][1]['category_id'] = 9
    path.write_text(json.dumps(pages))
    with pytest.raises(SystemExit, match='annotation 2: category_id 9'):
        region_scale.main([str(path)])
    pages['annotations'] = []
    path.write_text(json.dumps(pages))
    with pytest.raises(SystemExit, match='ann.json: "annotations" is empty'):
        region_scale.main([str(path)])
