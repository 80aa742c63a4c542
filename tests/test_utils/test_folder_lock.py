import os
import signal
import socket

import pytest
from helpers.processes import FORK, hold_lock_forever, kill_midway

from mmlayout.utils import (EXIT_LOCKED, FolderLockedError, folder_lock,
                            run_with_folder_lock)


def test_held_then_released(tmp_path):
    folder = tmp_path / 'out'
    with folder_lock(str(folder), 'tool') as path:
        assert path == str(folder / '.tool.lock')
        holder = f'pid {os.getpid()} on host {socket.gethostname()}'
        assert open(path).read() == holder + '\n'
        with pytest.raises(FolderLockedError) as error:
            with folder_lock(str(folder), 'tool'):
                pass
        assert str(error.value).startswith(f'{path} is held by {holder}: ')
        assert 'another tool run writes into' in str(error.value)
        with folder_lock(str(folder), 'other_tool'):  # another tool's lock
            pass
    assert os.listdir(folder) == []  # the lock file went with the run
    with folder_lock(str(folder), 'tool'):  # free again
        pass


def test_another_process_holds_it(tmp_path, capsys):
    ready = FORK.Event()
    holder = FORK.Process(
        target=hold_lock_forever, args=(ready, str(tmp_path), 'tool'))
    holder.start()
    try:
        assert ready.wait(60)
        calls = []
        status = run_with_folder_lock(str(tmp_path), 'tool',
                                      lambda: calls.append(1) or 0)
        assert status == EXIT_LOCKED and calls == []
        message = capsys.readouterr().err
        assert f'{tmp_path}/.tool.lock is held by pid {holder.pid}' in message
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.join()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    pid = kill_midway(hold_lock_forever, str(tmp_path), 'tool')
    path = tmp_path / '.tool.lock'
    assert path.read_text().startswith(f'pid {pid} ')  # stale, left behind
    assert run_with_folder_lock(str(tmp_path), 'tool',
                                lambda: 0 if path.read_text().startswith(
                                    f'pid {os.getpid()} ') else 1) == 0
    assert not path.exists()
