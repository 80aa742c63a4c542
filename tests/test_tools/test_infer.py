"""tools/infer.py writes every format, and says when pages failed."""
import json
import os
import os.path as osp

import infer
from helpers.tokenizers import english_bpe_tokenizer

from mmlayout.utils import EXIT_LOCKED, folder_lock

ROOT = osp.join(osp.dirname(__file__), '..', '..')
DEMO = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')


def run(synth_root, out_dir, *inputs, extra=()):
    # Checkpoint 'none': the model keeps its initial weights.
    return infer.main([
        DEMO, 'none', *inputs, '--out-dir',
        str(out_dir), '--score-thr', '0', '--ocr-cache',
        str(synth_root / 'val' / 'ocr'), *extra, '--cfg-options',
        'model.backbone.arch_cfg.vocab_size=400',
        f'tokenizer={english_bpe_tokenizer()}'
    ])


def test_all_formats_and_a_failed_page(synth_root, tmp_path, capsys):
    images = synth_root / 'val' / 'images'
    stems = sorted(path.stem for path in images.iterdir())
    out = tmp_path / 'out'
    status = run(synth_root, out, str(images), str(tmp_path / 'gone.png'))
    assert status == infer.EXIT_SOME_FAILED
    printed = capsys.readouterr()
    assert f'{len(stems) + 1} pages' in printed.out
    assert '1 failed' in printed.out and 'gone.png' in printed.err
    assert (out / 'failed_pages.txt').read_text().startswith('gone\t')

    for stem in stems:
        page = json.loads((out / 'json' / f'{stem}.json').read_text())
        assert page['text_source'] == 'cache' and page['regions']
        assert (out / 'vis' / f'{stem}.jpg').exists()
        markdown = (out / 'markdown' / f'{stem}.md').read_text()
        assert markdown.strip()
        assert (out / 'html' / f'{stem}.jpg').exists()
    failed = json.loads((out / 'json' / 'gone.json').read_text())
    assert 'does not exist' in failed['error']

    results = json.loads((out / 'coco_results.json').read_text())
    images_file = json.loads((out / 'coco_images.json').read_text())
    assert {image['file_name'] for image in images_file['images']} == {
        f'{stem}.jpg' for stem in stems}
    ids = {image['id'] for image in images_file['images']}
    assert results and {r['image_id'] for r in results} <= ids
    assert all(len(r['bbox']) == 4 and r['bbox'][2] >= 0 for r in results)

    html = (out / 'index.html').read_text()
    assert 'const DATA = ' in html and stems[0] in html
    assert 'http' not in html.split('<script>')[1]  # works offline


def test_all_pages_fine_and_one_format(synth_root, tmp_path):
    images = synth_root / 'val' / 'images'
    first = sorted(images.iterdir())[0]
    assert run(synth_root, tmp_path, str(first),
               extra=('--formats', 'json')) == 0
    assert [p.name for p in tmp_path.iterdir()] == ['json']


def test_a_second_run_into_one_folder_stops(synth_root, tmp_path, capsys):
    first = sorted((synth_root / 'val' / 'images').iterdir())[0]
    with folder_lock(str(tmp_path), 'infer') as lock:  # a first run
        assert run(synth_root, tmp_path, str(first)) == EXIT_LOCKED
        assert os.listdir(tmp_path) == ['.infer.lock']  # nothing written
    assert f'{lock} is held by pid {os.getpid()} on host ' in (
        capsys.readouterr().err)
