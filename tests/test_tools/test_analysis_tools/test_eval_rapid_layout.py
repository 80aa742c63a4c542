"""Tests of eval_rapid_layout: the real peer (rapid-layout's PP-PicoDet)
scored through mmdet's CocoMetric, with its classes mapped by name."""
import json

import numpy as np
import pytest
from analysis_tools import compare_metrics, eval_rapid_layout
from PIL import Image, ImageDraw, ImageFont

pytest.importorskip('rapid_layout', reason='the peers extra '
                    '(rapid-layout==0.4.2) is not installed')


def draw_page(path):
    """Four paragraphs of text above a framed drawing."""
    page = Image.new('RGB', (800, 1000), 'white')
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=18)
    y = 80
    for _ in range(4):
        for _ in range(6):
            draw.text((80, y), 'The detector reads the words and the '
                      'layout of the page in one pass.', fill='black',
                      font=font)
            y += 24
        y += 30
    draw.rectangle((150, 700, 650, 900), outline='black', width=3)
    draw.line((150, 900, 650, 700), fill='black', width=3)
    page.save(path)


def test_predictions_mapped_onto_the_dataset_categories(tmp_path):
    (tmp_path / 'images').mkdir()
    draw_page(tmp_path / 'images' / 'page.png')
    from rapid_layout import RapidLayout
    boxes, scores, names, _ = RapidLayout(conf_thres=0.3)(
        str(tmp_path / 'images' / 'page.png'))
    assert {'text', 'figure'} <= set(names)
    # The peer's own confident boxes as the ground truth, under category
    # names and ids of another dataset (ids out of order on purpose): any
    # slip between peer class, label and category id scores 0, not 1.
    category_ids = {'body': 7, 'picture': 3}
    peer_to_category = {'text': 'body', 'figure': 'picture'}
    annotations = [
        dict(id=index + 1, image_id=1, iscrowd=0,
             category_id=category_ids[peer_to_category[name]],
             bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
             area=float((x1 - x0) * (y1 - y0)))
        for index, ((x0, y0, x1, y1), name) in enumerate(zip(boxes, names))
        if name in peer_to_category]
    (tmp_path / 'annotations.json').write_text(json.dumps(dict(
        images=[dict(id=1, file_name='page.png', width=800, height=1000)],
        annotations=annotations,
        categories=[dict(id=7, name='body'), dict(id=3, name='picture')])))
    class_map = tmp_path / 'map.json'
    class_map.write_text(json.dumps(peer_to_category))

    work_dir = tmp_path / 'peer'
    eval_rapid_layout.main([str(tmp_path), '--class-map', str(class_map),
                            '--work-dir', str(work_dir)])
    metrics = compare_metrics.last_test_metrics(str(work_dir))
    assert metrics['body_precision'] == pytest.approx(1.0)
    assert metrics['picture_precision'] == pytest.approx(1.0)
    log, = work_dir.glob('*/*.json')
    assert json.loads(log.read_text())['seconds_per_page'] > 0

    # figure dropped: the picture regions go unfound
    class_map.write_text(json.dumps({'text': 'body', 'figure': None}))
    args = eval_rapid_layout.parse_args(
        [str(tmp_path), '--class-map', str(class_map), '--work-dir',
         str(work_dir)])
    metrics, _ = eval_rapid_layout.evaluate(args)
    assert metrics['coco/body_precision'] == pytest.approx(1.0)
    assert metrics['coco/picture_precision'] == 0.0


def test_bad_class_maps_name_the_file_and_the_class(tmp_path):
    path = tmp_path / 'map.json'
    path.write_text(json.dumps({'paragraph': 'text'}))
    with pytest.raises(SystemExit, match=r"map.json: \['paragraph'\] are "
                       'not classes of the peer'):
        eval_rapid_layout.load_class_map(str(path))
    path.write_text('{"text": ')
    with pytest.raises(SystemExit, match='map.json: not valid JSON'):
        eval_rapid_layout.load_class_map(str(path))
    with pytest.raises(SystemExit, match='neither a built-in map'):
        eval_rapid_layout.load_class_map('docbankk')
    with pytest.raises(SystemExit, match="ann.json has no category "
                       "'section'"):
        eval_rapid_layout.label_of_peer_class(
            {'title': 'section'}, ['text', 'title'], 'ann.json')


def test_builtin_maps_name_real_categories():
    docbank = ('abstract', 'author', 'caption', 'date', 'equation',
               'figure', 'footer', 'list', 'paragraph', 'reference',
               'section', 'table', 'title')
    publaynet = ('text', 'title', 'list', 'table', 'figure')
    from mmlayout.datasets import CDLADataset
    for name, categories in (('docbank', docbank),
                             ('publaynet', publaynet),
                             ('cdla', CDLADataset.METAINFO['classes'])):
        class_map = eval_rapid_layout.BUILTIN_CLASS_MAPS[name]
        assert set(class_map) == set(eval_rapid_layout.PEER_CLASSES)
        eval_rapid_layout.label_of_peer_class(class_map, list(categories),
                                              name)


def test_unmapped_predictions_are_dropped():
    pred = eval_rapid_layout.peer_predictions(
        np.array([[0, 0, 10, 10], [5, 5, 20, 20], [1, 1, 2, 2]]),
        np.array([0.9, 0.8, 0.7]), np.array(['text', 'header', 'figure']),
        {'text': 1, 'figure': 0})
    assert pred['labels'].tolist() == [1, 0]
    assert pred['scores'].tolist() == pytest.approx([0.9, 0.7])
    assert pred['bboxes'][1].tolist() == [1, 1, 2, 2]
    empty = eval_rapid_layout.peer_predictions(None, None, None, {})
    assert empty['bboxes'].shape == (0, 4)
