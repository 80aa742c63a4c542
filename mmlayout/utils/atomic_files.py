"""Files written atomically, also by several writers of one path at once.

:func:`atomic_write` writes into a hidden temp file beside the target and
renames it into place when the block ends, so a file is either complete or
absent: a process killed mid-write (``kill -9``, out of memory, a lost node)
leaves at most its temp file, never a truncated target.
:class:`AtomicLocalBackend` makes MMEngine write its local files
(checkpoints, ``last_checkpoint``, dumped results) this way.

Temp files are named ``.<name>.<host>-<pid>.<random>.tmp``: ``<host>`` is 8
hex digits of a hash of the host name and the writer's pid namespace, and
``<pid>`` its process id. A temp file is a *leftover*, removed by the next
write of the same path (or by :func:`remove_leftover_temp_files`), only when
its writer is gone:

- a writer of this host (same ``<host>``) is gone when no process
  ``<pid>`` exists (``os.kill(pid, 0)``);
- a writer of another host, and a temp file named as older versions did
  (``.<name>.<random>.tmp``), cannot be asked: its temp file is a leftover
  once it has not been modified for :data:`STALE_AFTER_S` seconds.

So concurrent writers of one path (processes on one or several hosts,
threads of one process) all succeed: none removes another's temp file while
that writer lives, each rename is atomic, and the last rename wins: the file
always holds one writer's complete content. Limits: a dead writer's pid
that a new process has taken keeps its leftover until that process ends;
a writer of another host that keeps its temp file open and unmodified for
longer than :data:`STALE_AFTER_S` loses it.
"""
import functools
import hashlib
import os
import os.path as osp
import re
import socket
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Iterator, List, Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio import io as fileio

#: Age (seconds since the last modification) after which a temp file whose
#: writer cannot be asked (another host, an older version's name) is a
#: leftover.
STALE_AFTER_S = 3600

# What follows ``.<name>.`` in a temp file's name: the writer (absent in
# older versions' names) and 12 random hex digits.
_TEMP_SUFFIX = r'(?:(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)\.)?[0-9a-f]{12}\.tmp'
# Any temp file; the shortest name first, so a writer is read as a writer.
_ANY_TEMP = re.compile(rf'\..+?\.{_TEMP_SUFFIX}')


@functools.lru_cache(maxsize=None)
def _host_id() -> str:
    """8 hex digits naming this host and pid namespace (processes of two
    containers with one host name can still not see each other's pids)."""
    try:
        namespace = os.stat('/proc/self/ns/pid').st_ino
    except OSError:  # not Linux
        namespace = 0
    key = f'{socket.gethostname()}:{namespace}'.encode()
    return hashlib.sha1(key).hexdigest()[:8]


def _temp_path(path: str) -> str:
    """A new temp file path for ``path`` (beside it), naming this writer."""
    folder, name = osp.split(osp.abspath(path))
    writer = f'{_host_id()}-{os.getpid()}'
    return osp.join(folder, f'.{name}.{writer}.{uuid.uuid4().hex[:12]}.tmp')


def _process_exists(pid: int) -> bool:
    if pid <= 0:  # not a process id (0 and -1 address process groups)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def _writer_gone(match: re.Match, entry: os.DirEntry) -> bool:
    if match['host'] == _host_id():
        return not _process_exists(int(match['pid']))
    try:
        modified = entry.stat().st_mtime
    except FileNotFoundError:  # renamed or removed meanwhile
        return False
    return time.time() - modified > STALE_AFTER_S


def remove_leftover_temp_files(folder: str,
                               name: Optional[str] = None) -> List[str]:
    """Remove the temp files that writers which are gone left in
    ``folder`` (see the module's docstring); a live writer's temp file is
    kept.

    Args:
        folder (str): The folder to clean.
        name (str, optional): Only the temp files of this file name (as in
            ``folder/name``); by default those of every name.

    Returns:
        list[str]: The paths removed.
    """
    pattern = _ANY_TEMP if name is None else re.compile(
        rf'\.{re.escape(name)}\.{_TEMP_SUFFIX}')
    removed = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and _writer_gone(match, entry):
                with suppress(FileNotFoundError):  # another cleaner was first
                    os.remove(entry.path)
                    removed.append(entry.path)
    return removed


@contextmanager
def atomic_write(path: str, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """Open a hidden temp file beside ``path`` and rename it to ``path``
    when the block ends without error.

    Parent folders are created; the file gets the usual permissions
    (umask), and an error removes the temp file. After the rename, the
    leftovers of writers of the same ``path`` that are gone are removed;
    temp files of live writers are kept, so concurrent writers of one path
    all succeed and the last one's content stays (module docstring).

    Args:
        path (str): The file to write.
        mode (str): ``open`` mode, ``'wb'`` (default) or ``'w'``.
        **kwargs: More arguments of ``open`` (``encoding``).

    Yields:
        IO: The temp file, open for writing.
    """
    tmp_path = _temp_path(path)
    folder = osp.dirname(tmp_path)
    os.makedirs(folder, exist_ok=True)
    try:
        with open(tmp_path, mode.replace('w', 'x'), **kwargs) as f:
            yield f
        os.replace(tmp_path, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(tmp_path)
        raise
    remove_leftover_temp_files(folder, osp.basename(path))


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` and ``put_text``.

    MMEngine's own backend opens the target and streams into it, so a
    process killed while saving a checkpoint leaves a truncated
    ``iter_N.pth`` that looks like a checkpoint; this one writes through
    :func:`atomic_write`, so resuming finds the last complete one.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        with atomic_write(str(filepath), 'wb') as file:
            file.write(obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        with atomic_write(str(filepath), 'w', encoding=encoding) as file:
            file.write(obj)


def use_atomic_local_files() -> None:
    """Make :class:`AtomicLocalBackend` MMEngine's backend for local paths
    (also replacing local backends created before)."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    for key, backend in list(fileio.backend_instances.items()):
        if type(backend) is LocalBackend:
            del fileio.backend_instances[key]
