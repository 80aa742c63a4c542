"""Let ``torch.load(weights_only=True)`` read MMEngine's own checkpoints.

Since torch 2.6 ``torch.load`` unpickles only allow-listed types by default,
and MMEngine 0.10.7 stores a little more than tensors in its checkpoints: the
message hub's :class:`~mmengine.logging.HistoryBuffer` objects, which hold
numpy arrays and refer to their statistics methods as
``getattr(HistoryBuffer, 'mean')``. Resuming then fails with
``UnpicklingError: Weights only load failed``. Rather than turning the safety
off (``weights_only=False``), this allow-lists exactly those types, and a
``getattr`` that only resolves HistoryBuffer's public methods; anything else
in a checkpoint is still refused.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# numpy arrays and scalars pickle through these two functions. Checkpoints
# written under numpy 1.x name them under ``numpy.core``; numpy 2 moved them
# to ``numpy._core``.
_NUMPY_RECONSTRUCTORS = ('_reconstruct', 'scalar')
_NUMPY_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                 'uint32', 'uint64', 'float16', 'float32', 'float64')


def history_buffer_getattr(owner: type, name: str):
    """Stands in for ``builtins.getattr`` while unpickling a checkpoint.

    Resolves only the public methods of :class:`HistoryBuffer` (what its
    pickled state refers to); any other use is refused.
    """
    method = getattr(owner, name, None) if owner is HistoryBuffer else None
    if name.startswith('_') or not callable(method):
        raise pickle.UnpicklingError(
            f'checkpoint asks for getattr({owner!r}, {name!r}); only public '
            'methods of mmengine.logging.HistoryBuffer are allowed')
    return method


def mmengine_checkpoint_globals() -> list:
    """The non-tensor types and functions an MMEngine checkpoint refers to.

    Returns:
        list: Entries for :func:`torch.serialization.add_safe_globals`:
        objects, or ``(object, qualified name)`` pairs for the names that
        older numpy releases pickled them under.
    """
    multiarray = np._core.multiarray if hasattr(np, '_core') else (
        np.core.multiarray)
    entries = [HistoryBuffer, np.ndarray, np.dtype,
               (history_buffer_getattr, 'builtins.getattr')]
    entries += [type(np.dtype(name)) for name in _NUMPY_DTYPES]
    for name in _NUMPY_RECONSTRUCTORS:
        function = getattr(multiarray, name)
        entries.append(function)
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            entries.append((function, f'{module}.{name}'))
    return entries


def allow_mmengine_checkpoints() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``torch.load``."""
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
