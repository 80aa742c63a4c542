import json

import pytest

from mmlayout.datasets import CDLADataset

CDLA_CLASSES = ('Text', 'Title', 'Figure', 'Figure caption', 'Table',
                'Table caption', 'Header', 'Footer', 'Reference', 'Equation')


def test_metainfo_has_cdlas_ten_classes_and_a_colour_each():
    meta = CDLADataset.METAINFO
    assert meta['classes'] == CDLA_CLASSES
    assert len(meta['palette']) == len(CDLA_CLASSES)
    assert len(set(meta['palette'])) == len(CDLA_CLASSES)


def test_loads_converter_output_with_labels_in_class_order(tmp_path):
    # Category ids deliberately not in class order: labels follow the names.
    categories = [dict(id=10 - i, name=n) for i, n in enumerate(CDLA_CLASSES)]
    coco = dict(
        images=[dict(id=1, file_name='a.jpg', width=100, height=200)],
        annotations=[
            dict(id=1, image_id=1, category_id=10, bbox=[1, 2, 30, 40],
                 area=1200, iscrowd=0),  # Text
            dict(id=2, image_id=1, category_id=1, bbox=[5, 60, 20, 10],
                 area=200, iscrowd=0),  # Equation
        ],
        categories=categories)
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps(coco))
    dataset = CDLADataset(ann_file=str(ann_file), data_root=str(tmp_path),
                          data_prefix=dict(img=''), pipeline=[],
                          filter_cfg=None)
    assert len(dataset) == 1
    instances = dataset[0]['instances']
    labels = [CDLA_CLASSES[i['bbox_label']] for i in instances]
    assert labels == ['Text', 'Equation']
    assert instances[0]['bbox'] == pytest.approx([1, 2, 31, 42])
