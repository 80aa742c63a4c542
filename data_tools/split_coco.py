"""Split a COCO annotation file into fixed train and val files by image.

The split is drawn with ``--seed`` from the images sorted by id, so the same
arguments always give the same pages; every annotation follows its image.

Example::

    python data_tools/split_coco.py data/docbank/annotations_docbank.json \
        --out-dir data/docbank --val 12 --seed 0
"""
import argparse
import json
import os
import os.path as osp
import random
import sys


def split_coco(coco: dict, num_val: int, seed: int):
    """Return ``(train, val)`` COCO dicts; ``num_val`` images go to val."""
    images = sorted(coco['images'], key=lambda image: image['id'])
    if not 0 < num_val < len(images):
        raise ValueError(f'--val must be between 1 and {len(images) - 1} '
                         f'for {len(images)} images, got {num_val}')
    ids = [image['id'] for image in images]
    if len(set(ids)) != len(ids):
        raise ValueError('the COCO file has duplicate image ids')
    val_ids = set(random.Random(seed).sample(ids, num_val))

    def subset(keep):
        return dict(
            coco,
            images=[image for image in images if keep(image['id'])],
            annotations=[ann for ann in coco['annotations']
                         if keep(ann['image_id'])])

    return (subset(lambda i: i not in val_ids),
            subset(lambda i: i in val_ids))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('coco', help='COCO annotation file')
    parser.add_argument('--out-dir', required=True,
                        help='where train.json and val.json are written')
    parser.add_argument('--val', type=int, required=True,
                        help='number of val images')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.coco, encoding='utf-8') as f:
        coco = json.load(f)
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            parser.error(f'{args.coco} has no "{key}": not a COCO file')
    os.makedirs(args.out_dir, exist_ok=True)
    for name, part in zip(('train', 'val'),
                          split_coco(coco, args.val, args.seed)):
        path = osp.join(args.out_dir, f'{name}.json')
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            json.dump(part, f)
        os.replace(path + '.tmp', path)
        print(f'{path}: {len(part["images"])} images, '
              f'{len(part["annotations"])} annotations')
    return 0


if __name__ == '__main__':
    sys.exit(main())
