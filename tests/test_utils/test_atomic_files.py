import os
import re
import sys
import threading
import time

import pytest
import torch
from helpers.processes import FORK, kill_midway, write_forever
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmlayout  # noqa: F401  makes the atomic backend MMEngine's local one
from mmlayout.utils import (AtomicLocalBackend, atomic_write,
                            remove_leftover_temp_files)
from mmlayout.utils.atomic_files import STALE_AFTER_S

WRITERS, WRITES = 8, 200


def temp_files(folder):
    return sorted(name for name in os.listdir(folder)
                  if name.endswith('.tmp'))


def payload(writer: int, write: int) -> str:
    """A payload that says whose it is and whether it is complete."""
    body = f'{writer}:{write}:' + chr(ord('a') + writer) * 20000
    return body + f':{len(body)}'


def assert_a_last_whole_payload(path):
    """The file holds one writer's complete payload, of its last write
    (the last rename of all is some writer's last)."""
    body, length = path.read_text().rsplit(':', 1)
    writer, write, filler = body.split(':')
    assert int(length) == len(body)
    assert filler == chr(ord('a') + int(writer)) * 20000
    assert int(write) == WRITES - 1


def test_checkpoints_go_through_the_atomic_backend(tmp_path):
    assert isinstance(get_file_backend(str(tmp_path)), AtomicLocalBackend)
    path = tmp_path / 'iter_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    assert torch.equal(torch.load(path)['state_dict']['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['iter_1.pth']  # no temp file left


def test_file_writing_lives_in_utils_only():
    """The OCR JSON writer uses it; the ocr package no longer exports it."""
    import mmlayout.ocr
    from mmlayout.ocr import ocr_json
    assert ocr_json.atomic_write is atomic_write
    assert not hasattr(mmlayout.ocr, 'atomic_write')


def test_a_write_killed_midway_leaves_the_old_file(tmp_path, monkeypatch):
    backend = get_file_backend(str(tmp_path))
    path = tmp_path / 'last_checkpoint'
    backend.put_text('iter_1.pth', path)

    def die(*args):  # the process dies before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'replace', die)
    with pytest.raises(KeyboardInterrupt):
        backend.put_text('iter_2.pth', path)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'half a checkpoint', tmp_path / 'iter_2.pth')
    assert path.read_text() == 'iter_1.pth'
    assert sorted(os.listdir(tmp_path)) == ['last_checkpoint']


def test_the_next_write_removes_what_a_killed_writer_left(tmp_path):
    path = tmp_path / 'iter_2.pth'
    pid = kill_midway(write_forever, str(path))
    (leftover, ) = temp_files(tmp_path)
    assert re.fullmatch(rf'\.iter_2\.pth\.[0-9a-f]{{8}}-{pid}\.[0-9a-f]{{12}}'
                        r'\.tmp', leftover)
    other = tmp_path / 'iter_3.pth'  # another file's leftover stays
    kill_midway(write_forever, str(other))
    with atomic_write(str(path)) as file:
        file.write(b'a whole checkpoint')
    assert path.read_bytes() == b'a whole checkpoint'
    assert len(temp_files(tmp_path)) == 1 and leftover not in temp_files(
        tmp_path)
    # a folder-wide clean-up takes every dead writer's leftover
    assert len(remove_leftover_temp_files(str(tmp_path))) == 1
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth']


@pytest.mark.parametrize('name', [
    '.page.json.0123456789ab.tmp',  # an older version's name
    '.page.json.00000000-1.0123456789ab.tmp',  # another host's writer
])
def test_writers_that_cannot_be_asked_go_stale_by_age(tmp_path, name):
    fresh, old = tmp_path / name, tmp_path / name.replace('0123', '4567')
    fresh.write_text('may still be written')
    old.write_text('left long ago')
    long_ago = time.time() - STALE_AFTER_S - 60
    os.utime(old, (long_ago, long_ago))
    with atomic_write(str(tmp_path / 'page.json'), 'w') as file:
        file.write('{}')
    assert temp_files(tmp_path) == [fresh.name]


def test_a_live_writer_keeps_its_temp_file_while_another_finishes(tmp_path):
    """The interleaving that failed: writer A (another process) finishes
    while writer B is between opening its temp file and the rename."""
    path = tmp_path / 'metrics.json'
    writer_b = atomic_write(str(path), 'w')
    file_b = writer_b.__enter__()
    file_b.write('B')

    def writer_a():
        with atomic_write(str(path), 'w') as file:
            file.write('A')

    process = FORK.Process(target=writer_a)
    process.start()
    process.join()
    assert process.exitcode == 0
    assert path.read_text() == 'A'
    assert len(temp_files(tmp_path)) == 1  # B's, kept: B is alive
    writer_b.__exit__(None, None, None)  # B renames: no FileNotFoundError
    assert path.read_text() == 'B'  # the last writer wins
    assert temp_files(tmp_path) == []


def write_many(path, writer: int, start, failures) -> None:
    """Write ``path`` WRITES times once ``start`` is set; count the writes
    that fail in ``failures`` and print them."""
    start.wait()
    for write in range(WRITES):
        try:
            with atomic_write(str(path), 'w') as file:
                file.write(payload(writer, write))
        except Exception as e:  # noqa: BLE001 - counted by the test
            with failures.get_lock():
                failures.value += 1
            print(f'writer {writer}, write {write}: {e!r}', file=sys.stderr)


@pytest.mark.parametrize(
    'worker', [FORK.Process, threading.Thread], ids=['processes', 'threads'])
def test_writers_of_one_path_at_once(tmp_path, worker):
    """8 writers x 200 writes of one path, all at once: none fails."""
    path, start = tmp_path / 'metrics.json', FORK.Event()
    failures = FORK.Value('i', 0)
    writers = [
        worker(target=write_many, args=(path, i, start, failures))
        for i in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join()
    assert failures.value == 0
    assert_a_last_whole_payload(path)
    assert os.listdir(tmp_path) == ['metrics.json']
