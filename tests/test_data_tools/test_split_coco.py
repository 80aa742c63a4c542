import json

import pytest

import split_coco


def make_coco(num_images=10):
    return dict(
        images=[dict(id=i, file_name=f'{i}.jpg') for i in range(num_images)],
        annotations=[dict(id=10 * i + k, image_id=i, category_id=1)
                     for i in range(num_images) for k in range(i % 3)],
        categories=[dict(id=1, name='text')])


def test_split_is_fixed_and_complete(tmp_path):
    (tmp_path / 'all.json').write_text(json.dumps(make_coco()))
    for out in ('a', 'b'):
        assert split_coco.main([str(tmp_path / 'all.json'), '--out-dir',
                                str(tmp_path / out), '--val', '3']) == 0
    parts = {name: json.loads((tmp_path / 'a' / f'{name}.json').read_text())
             for name in ('train', 'val')}
    assert (tmp_path / 'a' / 'val.json').read_text() == (
        tmp_path / 'b' / 'val.json').read_text()
    val_ids = {image['id'] for image in parts['val']['images']}
    train_ids = {image['id'] for image in parts['train']['images']}
    assert len(val_ids) == 3 and val_ids.isdisjoint(train_ids)
    assert val_ids | train_ids == set(range(10))
    for name, ids in (('train', train_ids), ('val', val_ids)):
        anns = parts[name]['annotations']
        assert {a['image_id'] for a in anns} <= ids
        assert len(anns) == sum(i % 3 for i in ids)
        assert parts[name]['categories'] == make_coco()['categories']
    other_seed, _ = split_coco.split_coco(make_coco(), 3, seed=1)
    assert {i['id'] for i in other_seed['images']} != train_ids


def test_bad_splits(tmp_path):
    with pytest.raises(ValueError, match='between 1 and 9'):
        split_coco.split_coco(make_coco(), 10, 0)
    coco = make_coco()
    coco['images'].append(dict(id=0, file_name='again.jpg'))
    with pytest.raises(ValueError, match='duplicate image ids'):
        split_coco.split_coco(coco, 2, 0)
    (tmp_path / 'x.json').write_text('{"images": []}')
    with pytest.raises(SystemExit):
        split_coco.main([str(tmp_path / 'x.json'), '--out-dir',
                         str(tmp_path), '--val', '1'])
