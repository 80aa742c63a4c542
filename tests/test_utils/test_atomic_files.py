import os

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmlayout  # noqa: F401  makes the atomic backend MMEngine's local one
from mmlayout.utils import AtomicLocalBackend


def test_checkpoints_go_through_the_atomic_backend(tmp_path):
    assert isinstance(get_file_backend(str(tmp_path)), AtomicLocalBackend)
    path = tmp_path / 'iter_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    assert torch.equal(torch.load(path)['state_dict']['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['iter_1.pth']  # no temp file left


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


def test_the_next_write_removes_leftovers_of_killed_writes(tmp_path):
    backend = get_file_backend(str(tmp_path))
    stale = tmp_path / '.iter_2.pth.0123456789ab.tmp'  # a writer killed
    stale.write_bytes(b'half a checkpoint')
    other = tmp_path / '.iter_3.pth.0123456789ab.tmp'  # another file's
    other.write_bytes(b'half another')
    backend.put(b'a whole checkpoint', tmp_path / 'iter_2.pth')
    assert sorted(os.listdir(tmp_path)) == [other.name, 'iter_2.pth']
    assert (tmp_path / 'iter_2.pth').read_bytes() == b'a whole checkpoint'
