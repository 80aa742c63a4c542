import csv
import json
import pickle

import numpy as np
import pytest
import torch
from analysis_tools import confusion_matrix

# Category ids not in 1..K order: the matrix follows the file's order.
CATEGORIES = [dict(id=1, name='Text'), dict(id=2, name='Title'),
              dict(id=5, name='表格')]
# (image, category, [x, y, w, h]); image 3 has no regions.
REGIONS = [(1, 1, [0, 0, 10, 10]), (1, 2, [20, 20, 10, 10]),
           (2, 5, [0, 0, 10, 10]), (2, 1, [50, 50, 10, 10]),
           (2, 1, [80, 80, 10, 10], 1)]  # a crowd region, left out
# (image, category, box, score)
DETECTIONS = [
    (1, 1, [0, 0, 10, 10], 0.9),  # Text right
    (1, 1, [21, 21, 10, 10], 0.8),  # the Title taken for Text
    (1, 1, [1, 0, 10, 10], 0.7),  # a duplicate of the first
    (2, 5, [0, 0, 10, 10], 0.95),  # 表格 right
    (2, 2, [100, 100, 10, 10], 0.6),  # a Title on the background
    (2, 1, [50, 50, 10, 10], 0.1),  # under --score-thr: the Text missed
    (3, 2, [0, 0, 5, 5], 0.2),  # under --score-thr
]
# rows: ground truth Text, Title, 表格, background; columns: detections
EXPECTED = [[1, 0, 0, 1],
            [1, 0, 0, 0],
            [0, 0, 1, 0],
            [1, 1, 0, 0]]


def write_ground_truth(tmp_path):
    coco = dict(
        images=[dict(id=i, file_name=f'{i}.png', width=100, height=100)
                for i in (1, 2, 3)],
        annotations=[dict(id=k, image_id=r[0], category_id=r[1], bbox=r[2],
                          area=r[2][2] * r[2][3],
                          iscrowd=r[3] if len(r) > 3 else 0)
                     for k, r in enumerate(REGIONS)],
        categories=CATEGORIES)
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(coco))
    return str(path)


def test_matrix_metrics_and_files(tmp_path, capsys):
    ann_file = write_ground_truth(tmp_path)
    results = tmp_path / 'results.bbox.json'
    results.write_text(json.dumps([
        dict(image_id=i, category_id=c, bbox=b, score=s)
        for i, c, b, s in DETECTIONS]))
    assert confusion_matrix.main(
        [ann_file, str(results), '--out', str(tmp_path / 'cm.png')]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ('confusion matrix (score >= 0.3, IoU >= 0.5, 3 '
                        'images): rows ground truth, columns detections')
    assert lines[2] == '| GT \\ detected | Text | Title | 表格 | background |'
    assert lines[4:8] == ['| Text | 1 | 0 | 0 | 1 |',
                          '| Title | 1 | 0 | 0 | 0 |',
                          '| 表格 | 0 | 0 | 1 | 0 |',
                          '| background | 1 | 1 | 0 | 0 |']
    # precision Text 1/3, recall 1/2, F1 0.4
    assert '| Text | 2 | 3 | 1 | 33.3 | 50.0 | 40.0 |' in lines
    assert '| Title | 1 | 1 | 0 | 0.0 | 0.0 | 0.0 |' in lines
    assert '| 表格 | 1 | 1 | 1 | 100.0 | 100.0 | 100.0 |' in lines
    assert ('3 of 4 regions detected (2 as their class, 1 as another), 1 '
            'missed; 2 false positives (1 duplicates)') in lines
    with open(tmp_path / 'cm.csv', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['GT \\ detected', 'Text', 'Title', '表格', 'background']
    assert [list(map(int, row[1:])) for row in rows[1:]] == EXPECTED
    assert (tmp_path / 'cm.png').stat().st_size > 0


def test_config_and_dumped_predictions(tmp_path, capsys):
    """A config's ground truth and tools/test.py --out predictions, whose
    labels index the config's classes; the higher score takes the region
    whatever its class."""
    ann_file = write_ground_truth(tmp_path)
    config = tmp_path / 'config.py'
    config.write_text(
        f'test_evaluator = dict(ann_file={ann_file!r})\n'
        'test_dataloader = dict(dataset=dict(type="CDLADataset", '
        'metainfo=dict(classes=("Text", "表格"))))\n')
    samples = [dict(img_id=1, pred_instances=dict(
        bboxes=torch.tensor([[0., 0, 10, 10], [0, 0, 10, 10]]),
        scores=torch.tensor([0.5, 0.9]), labels=torch.tensor([0, 1])))]
    results = tmp_path / 'preds.pkl'
    results.write_bytes(pickle.dumps(samples))
    assert confusion_matrix.main([str(config), str(results)]) == 0
    with open(tmp_path / 'preds_confusion.csv', encoding='utf-8') as f:
        rows = [list(map(int, row[1:])) for row in list(csv.reader(f))[1:]]
    # the Text region taken by the 表格 (0.9); the Text (0.5) a duplicate
    assert rows == [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 1], [1, 0, 0, 0]]
    assert '1 false positives (1 duplicates)' in capsys.readouterr().out


def test_box_iou():
    boxes = np.array([[0., 0, 10, 10], [5, 0, 15, 10]])
    np.testing.assert_allclose(
        confusion_matrix.box_iou(boxes, boxes[:1]), [[1], [50 / 150]])


def test_unknown_category_names_file_and_field(tmp_path):
    ann_file = write_ground_truth(tmp_path)
    results = tmp_path / 'results.json'
    results.write_text(json.dumps([dict(image_id=1, category_id=3,
                                        bbox=[0, 0, 1, 1], score=1.0)]))
    with pytest.raises(ValueError,
                       match=r'results.json: \[0\].category_id: category 3'):
        confusion_matrix.main([ann_file, str(results)])
