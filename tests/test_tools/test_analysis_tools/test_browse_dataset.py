import json
import os
import os.path as osp

import numpy as np
from analysis_tools import browse_dataset
from helpers.ocr_pages import make_page
from helpers.tokenizers import chinese_unigram_tokenizer
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')
CLASSES = ['正文', '标题']


def make_split(root):
    """Three pages in ``root/val``: ``a`` has a line outside the regions,
    ``b`` OCR at twice the image size, ``c`` no OCR file."""
    split = root / 'val'
    make_page(str(split), 'a', (200, 300), [
        ('文档版面分析', (20, 20, 180, 40)),
        ('表1：实验结果', (20, 60, 180, 80)),
        ('页脚', (60, 290, 20, 270)),  # corners reversed
    ])
    make_page(str(split), 'b', (200, 300), [
        ('标题', (40, 40, 360, 80)),
        ('正文', (40, 200, 360, 240)),
    ], ocr_size=(400, 600))
    make_page(str(split), 'c', (200, 300), [('x', (0, 0, 10, 10))])
    os.remove(split / 'ocr' / 'c.json')
    boxes = {1: [[10, 10, 180, 40], [10, 55, 180, 35]],
             2: [[10, 10, 180, 80]],
             3: [[10, 10, 50, 50]]}
    coco = dict(
        images=[dict(id=i, file_name=f'{n}.png', width=200, height=300)
                for i, n in ((1, 'a'), (2, 'b'), (3, 'c'))],
        annotations=[dict(id=10 * image + k, image_id=image,
                          category_id=1 + k % 2, bbox=box,
                          area=box[2] * box[3], iscrowd=0)
                     for image, page in boxes.items()
                     for k, box in enumerate(page)],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)])
    (split / 'annotations.json').write_text(json.dumps(coco))


def test_pages_are_drawn_and_counted(tmp_path, capsys):
    make_split(tmp_path)
    out_dir = tmp_path / 'out'
    assert browse_dataset.main([
        CONFIG, '--split', 'val', '--out-dir', str(out_dir), '--show-text',
        '--cfg-options', f'tokenizer={chinese_unigram_tokenizer()}',
        f'val_dataloader.dataset.data_root={tmp_path}/',
        f'val_dataloader.dataset.metainfo.classes=[{",".join(CLASSES)}]'
    ]) == 0
    # after pycocotools' 'loading annotations' messages
    lines = capsys.readouterr().out.splitlines()[-4:]
    assert lines[0] == 'a: 2 regions, 3 OCR lines, 1 outside regions'
    assert lines[1] == ('b: 1 regions, 2 OCR lines, 1 outside regions; OCR '
                        'page 400x600 scaled to the image 200x300')
    assert lines[2].startswith('c: 1 regions, 0 OCR lines, 0 outside '
                               'regions; no OCR file ')
    assert lines[3] == (
        'total: 3 pages, 4 regions, 5 OCR lines, 2 (40.0 %) outside '
        f'regions, 1 pages without OCR, 1 with OCR scaled; images in '
        f'{out_dir}')
    drawn = np.asarray(Image.open(out_dir / 'a.png'))
    # the page (200 px) plus the legend on its right
    assert drawn.shape[0] == 300 and drawn.shape[1] > 200
    # the magenta outline of the first OCR line, inside a region
    assert tuple(drawn[30, 20]) == browse_dataset.OCR_COLOUR
    assert sorted(os.listdir(out_dir)) == ['a.png', 'b.png', 'c.png']


def test_regions_only(tmp_path, capsys):
    make_split(tmp_path)
    assert browse_dataset.main([
        CONFIG, '--split', 'val', '--out-dir', str(tmp_path / 'out'),
        '--no-ocr', '--max-pages', '1', '--cfg-options',
        f'val_dataloader.dataset.data_root={tmp_path}/',
        f'val_dataloader.dataset.metainfo.classes=[{",".join(CLASSES)}]'
    ]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        'a: 2 regions', f'total: 1 pages, 2 regions; images in '
        f'{tmp_path / "out"}'
    ]


def test_inside_regions():
    lines = np.array([[0, 0, 10, 10], [8, 0, 18, 10], [30, 30, 40, 40]])
    regions = np.array([[0, 0, 14, 20]])
    assert browse_dataset.inside_regions(lines, regions).tolist() == [
        True, True, False]
