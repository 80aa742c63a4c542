"""One run of a tool at a time in an output folder.

``data_tools/ocr_images.py`` and ``tools/infer.py`` hold
:func:`folder_lock` on their output folder while they write into it: the
file ``<folder>/.<tool>.lock``, locked with ``flock`` and naming its holder
(pid and host). A second run of the same tool into the same folder stops at
once with :class:`FolderLockedError`, whose message names the lock file and
the holder. The kernel releases the lock when its holder ends, however it
ends: the lock file of a run killed with ``kill -9`` is stale and the next
run takes it over. A run that finishes removes its lock file.

``flock`` locks a file for the processes of one machine; on network file
systems (NFS) whether a lock reaches other machines depends on the mount.
"""
import fcntl
import os
import os.path as osp
import socket
import sys
from contextlib import contextmanager, suppress
from typing import Callable, Iterator

#: Exit status of a tool that stops because another run holds its folder's
#: lock (``EX_TEMPFAIL`` of sysexits.h: try again later).
EXIT_LOCKED = 75


class FolderLockedError(RuntimeError):
    """Another run holds the folder's lock; the message names the lock file
    and the holder's pid and host."""


def _same_file(fd: int, path: str) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino)


def _acquire(path: str, tool: str) -> int:
    """Open and lock ``path``, write the holder; the open descriptor."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 256, 0).decode(errors='replace').strip()
            os.close(fd)
            raise FolderLockedError(
                f'{path} is held by {holder or "a run that is starting"}: '
                f'another {tool} run writes into {osp.dirname(path)}. Wait '
                'for it to end, or write elsewhere (the lock of a killed '
                'run is taken over)') from None
        # The holder may have removed the file between our open and lock:
        # then the lock is on a file nobody else sees; start again.
        if _same_file(fd, path):
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f'pid {os.getpid()} on host {socket.gethostname()}\n'
             .encode())
    return fd


@contextmanager
def folder_lock(folder: str, tool: str) -> Iterator[str]:
    """Hold ``<folder>/.<tool>.lock`` for the block (the folder is created).

    Args:
        folder (str): The folder the run writes into.
        tool (str): Names the lock file and appears in the message.

    Yields:
        str: The lock file's path.

    Raises:
        FolderLockedError: Another live process holds the lock.
    """
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, f'.{tool}.lock')
    fd = _acquire(path, tool)
    try:
        yield path
    finally:
        # Removed while still locked: a run that opened the file meanwhile
        # sees it is gone (_same_file) and creates a new one.
        with suppress(FileNotFoundError):
            os.remove(path)
        os.close(fd)


def run_with_folder_lock(folder: str, tool: str,
                         run: Callable[[], int]) -> int:
    """Call ``run`` holding :func:`folder_lock`; when another run holds it,
    print why to stderr instead and return :data:`EXIT_LOCKED`.

    Returns:
        int: ``run``'s exit status, or :data:`EXIT_LOCKED`.
    """
    try:
        with folder_lock(folder, tool):
            return run()
    except FolderLockedError as e:
        print(f'{tool}: {e}', file=sys.stderr)
        return EXIT_LOCKED
