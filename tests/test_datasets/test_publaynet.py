import json

from mmlayout.datasets import PubLayNetDataset


def test_publaynet_classes_and_labels(tmp_path):
    classes = ('text', 'title', 'list', 'table', 'figure')
    assert PubLayNetDataset.METAINFO['classes'] == classes
    assert len(PubLayNetDataset.METAINFO['palette']) == 5
    coco = dict(
        images=[dict(id=7, file_name='p.jpg', width=612, height=792)],
        annotations=[dict(id=1, image_id=7, category_id=4,
                          bbox=[10, 10, 100, 50], area=5000, iscrowd=0)],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(classes)])
    ann_file = tmp_path / 'val.json'
    ann_file.write_text(json.dumps(coco))
    dataset = PubLayNetDataset(ann_file=str(ann_file), pipeline=[],
                               data_prefix=dict(img=''),
                               filter_cfg=None)
    (instance, ) = dataset[0]['instances']
    assert classes[instance['bbox_label']] == 'table'
    assert dataset[0]['img_id'] == 7
