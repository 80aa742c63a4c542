"""Child processes killed with SIGKILL in the middle of something."""
import multiprocessing
import os
import signal
import time
from typing import Callable

from mmlayout.utils import atomic_write, folder_lock

FORK = multiprocessing.get_context('fork')


def kill_midway(target: Callable, *args) -> int:
    """Fork a process running ``target(ready, *args)``, wait until it sets
    the event ``ready``, SIGKILL it and reap it.

    Returns:
        int: The pid the killed process had.
    """
    ready = FORK.Event()
    process = FORK.Process(target=target, args=(ready, ) + args)
    process.start()
    assert ready.wait(60), 'the child never got ready'
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    return process.pid


def write_forever(ready, path: str) -> None:
    """Stop in the middle of an atomic write of ``path``."""
    with atomic_write(path) as file:
        file.write(b'half a file')
        file.flush()
        ready.set()
        time.sleep(600)


def hold_lock_forever(ready, folder: str, tool: str) -> None:
    """Hold :func:`folder_lock` of ``folder`` and never let go."""
    with folder_lock(folder, tool):
        ready.set()
        time.sleep(600)
