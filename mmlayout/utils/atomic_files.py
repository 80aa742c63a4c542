"""Checkpoints and other MMEngine files written atomically.

MMEngine writes checkpoints through its local file backend, which opens the
target and streams into it: a process killed mid-write (``kill -9``, out of
memory, a lost node) leaves a truncated ``iter_N.pth`` that looks like a
checkpoint. :class:`AtomicLocalBackend` writes to a hidden temp file beside
the target and renames it into place (:func:`mmlayout.ocr.atomic_write`), so
a checkpoint file is either complete or absent; resuming then finds the last
complete one.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio import io as fileio

from mmlayout.ocr.ocr_json import atomic_write


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` and ``put_text``."""

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
