import json
import logging
import os
import signal
import sys
import time

import pytest
from helpers.processes import FORK, kill_midway, write_forever
from PIL import Image

import ocr_images
from mmlayout.ocr import OCR_ENGINES, BaseOCREngine, OCRLine, load_ocr_json
from mmlayout.utils import EXIT_LOCKED


class FakeEngine(BaseOCREngine):
    """Reads one line per image: its size; fails on images named bad*."""

    name = 'fake'
    version = 'fake 0.1'

    def __init__(self, lang='ch', num_threads=None):
        self.lang = lang

    def recognize(self, image):
        if image[0, 0, 0] == 1:  # the marker of the 'bad' pages
            raise RuntimeError('engine crashed')
        h, w = image.shape[:2]
        return [OCRLine(f'{w}x{h} {self.lang}', (1, 2, w - 1, h - 2), 0.9)]


class SlowEngine(FakeEngine):
    """FakeEngine taking 0.3 s a page."""

    name = 'slow'

    def recognize(self, image):
        time.sleep(0.3)
        return super().recognize(image)


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setitem(OCR_ENGINES, 'fake', FakeEngine)
    monkeypatch.setitem(OCR_ENGINES, 'slow', SlowEngine)


def _images(folder, names, size=(40, 30)):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        image = Image.new('RGB', size, 'white')
        if name.startswith('bad'):
            image.putpixel((0, 0), (1, 1, 1))
        image.save(folder / name)
    return folder


def _run(*args):
    return ocr_images.main([str(a) for a in args] + ['--engine', 'fake'])


def test_folder_resume_and_failures(tmp_path, fake_engine, capsys, caplog):
    caplog.set_level(logging.INFO, logger='ocr_images')
    images = _images(tmp_path / 'imgs', ['a.png', 'b.jpg', 'bad.png'])
    (images / 'notes.txt').write_text('not an image')
    out = tmp_path / 'ocr'
    assert _run(images, '--out', out, '--lang', 'en') == 1
    assert sorted(os.listdir(out)) == ['a.json', 'b.json',
                                       'ocr_failures.txt']
    assert load_ocr_json(str(out / 'a.json')) == (
        40, 30, [OCRLine('40x30 en', (1, 2, 39, 28), 0.9)])
    assert json.load(open(out / 'a.json'))['engine'] == 'fake 0.1'
    failures = (out / 'ocr_failures.txt').read_text()
    assert 'bad.png\tRuntimeError: engine crashed' in failures
    assert 'FAILED' in capsys.readouterr().err
    assert 'done: 2 pages written (2 lines), 0 skipped' in caplog.text
    assert '1 failed' in caplog.text and 'pages/s' in caplog.text
    caplog.clear()

    # a killed run leaves at most a temp file: removed, never read as done
    kill_midway(write_forever, str(out / 'bad.json'))
    os.remove(out / 'b.json')
    mtime = os.stat(out / 'a.json').st_mtime_ns
    assert _run(images, '--out', out) == 1
    assert 'removed 1 temp files left by killed writers' in caplog.text
    assert '3 pages: 1 already done, 2 to do' in caplog.text
    assert os.stat(out / 'a.json').st_mtime_ns == mtime
    assert not [n for n in os.listdir(out) if n.endswith('.tmp')]


def test_glob_coco_and_workers(tmp_path, fake_engine):
    images = _images(tmp_path / 'data' / 'val', ['p1.png', 'p2.png', 'p3.png'])
    coco = {'images': [{'id': i, 'file_name': f'val/p{i}.png',
                        'width': 40, 'height': 30} for i in (1, 3)],
            'annotations': [], 'categories': []}
    (tmp_path / 'data' / 'ann.json').write_text(json.dumps(coco))
    assert _run(tmp_path / 'data' / 'ann.json', '--out', tmp_path / 'o1') == 0
    assert sorted(os.listdir(tmp_path / 'o1')) == ['ocr_failures.txt',
                                                   'p1.json', 'p3.json']
    assert _run(tmp_path / 'data' / 'ann.json', '--img-root', tmp_path / 'x',
                '--out', tmp_path / 'o2') == 1  # images not found
    assert _run(images / 'p*.png', '--out', tmp_path / 'o3',
                '--workers', '2') == 0
    assert sorted(os.listdir(tmp_path / 'o3')) == [
        'ocr_failures.txt', 'p1.json', 'p2.json', 'p3.json']


def test_duplicate_stems(tmp_path, fake_engine):
    _images(tmp_path / 'a', ['page.png'])
    _images(tmp_path / 'b', ['page.jpg'])
    with pytest.raises(ValueError, match='stems'):
        _run(tmp_path / '*' / 'page.*', '--out', tmp_path / 'out')


def test_convert_legacy(tmp_path):
    legacy = tmp_path / 'legacy'
    legacy.mkdir()
    (legacy / 'p1.json').write_text(json.dumps({
        'bbox': [[10, 20, 30, 5]], 'words': ['hello'], 'W': 100, 'H': 80}))
    (legacy / 'p2.json').write_text('{"bbox": [[1, 2]], "words": ["x"]}')
    out = tmp_path / 'ocr'
    assert ocr_images.main([str(legacy), '--out', str(out),
                            '--convert-legacy']) == 1
    data = json.load(open(out / 'p1.json'))
    assert data['width'] == 100 and data['height'] == 80
    assert data['lines'] == [{'text': 'hello', 'box': [10, 20, 40, 25]}]
    assert 'p2.json' in (out / 'ocr_failures.txt').read_text()
    with pytest.raises(ValueError, match='must differ'):
        ocr_images.main([str(legacy), '--out', str(legacy),
                         '--convert-legacy'])


def _run_slowly_when(start, images, out) -> None:
    start.wait()
    sys.exit(ocr_images.main([str(images), '--out', str(out), '--engine',
                              'slow']))


PAGES = [f'p{i}.png' for i in range(6)]


def _assert_complete(out, names):
    """Each of ``names`` in ``out`` is whole; with ocr_failures.txt among
    them, they are all the folder holds (no temp or lock file)."""
    if 'ocr_failures.txt' in names:
        assert sorted(os.listdir(out)) == names
    for name in names:
        if name.endswith('.json'):
            assert load_ocr_json(str(out / name))[2][0].text == '40x30 ch'


def test_two_runs_into_one_folder(tmp_path, fake_engine):
    """The second run stops at once (exit status 75); the first writes
    every page whole."""
    images, out = _images(tmp_path / 'imgs', PAGES), tmp_path / 'ocr'
    start = FORK.Event()
    runs = [FORK.Process(target=_run_slowly_when, args=(start, images, out))
            for _ in range(2)]
    for run in runs:
        run.start()
    start.set()
    for run in runs:
        run.join()
    assert sorted(run.exitcode for run in runs) == [0, EXIT_LOCKED]
    _assert_complete(out, sorted(['ocr_failures.txt'] + [
        name.replace('.png', '.json') for name in PAGES]))


def test_a_killed_run_leaves_its_lock_to_the_next(tmp_path, fake_engine):
    images, out = _images(tmp_path / 'imgs', PAGES), tmp_path / 'ocr'
    start = FORK.Event()
    start.set()
    run = FORK.Process(target=_run_slowly_when, args=(start, images, out))
    run.start()
    while not list(out.glob('*.json')):
        time.sleep(0.05)
    time.sleep(0.1)  # within the next page
    os.kill(run.pid, signal.SIGKILL)
    run.join()
    assert (out / '.ocr_images.lock').read_text().startswith(
        f'pid {run.pid} ')
    done = sorted(path.name for path in out.glob('*.json'))
    assert 0 < len(done) < len(PAGES)
    _assert_complete(out, done)  # whole pages only
    assert _run(images, '--out', out) == 0
    _assert_complete(out, sorted(['ocr_failures.txt'] + [
        name.replace('.png', '.json') for name in PAGES]))
