import json
import math

import pytest
from analysis_tools import compare_metrics


def write_log(work_dir, name, metrics):
    run = work_dir / name
    run.mkdir(parents=True)
    (run / f'{name}.json').write_text(
        json.dumps({'lr': 0.1, 'iter': 5}) + '\n' +
        json.dumps({f'coco/{k}': v for k, v in metrics.items()}) + '\n')


def test_table_of_two_models(tmp_path, capsys):
    write_log(tmp_path / 'text', '20261129_000000', {
        'reference_precision': 0.5, 'caption_precision': float('nan'),
        'bbox_mAP': 0.4, 'bbox_mAP_50': 0.6, 'bbox_mAP_75': 0.3})
    write_log(tmp_path / 'image', '20261129_000000', {
        'reference_precision': 0.25, 'caption_precision': 0.1,
        'bbox_mAP': 0.3, 'bbox_mAP_50': 0.5, 'bbox_mAP_75': 0.2})
    assert compare_metrics.main([str(tmp_path / 'text'),
                                 str(tmp_path / 'image'), '--names', 'text',
                                 'image']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '| class | text | image | difference |'
    assert '| reference | 50.0 | 25.0 | +25.0 |' in lines
    assert '| caption | - | 10.0 | - |' in lines
    assert '| bbox_mAP | 40.0 | 30.0 | +10.0 |' in lines
    assert math.isnan(compare_metrics.last_test_metrics(
        tmp_path / 'text')['caption_precision'])


def test_work_dir_without_test_metrics(tmp_path):
    with pytest.raises(FileNotFoundError, match='tools/test.py'):
        compare_metrics.last_test_metrics(str(tmp_path))
