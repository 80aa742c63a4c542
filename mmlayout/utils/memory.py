"""Give memory that the C allocator keeps for reuse back to the system."""
import ctypes
import ctypes.util
import functools
from typing import Callable, Optional


@functools.lru_cache(maxsize=None)
def _malloc_trim() -> Optional[Callable[[int], int]]:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library('c')
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_heap_memory() -> bool:
    """Return the free pages of the C heap to the system (glibc's
    ``malloc_trim(0)``).

    Long loops over inputs of varying sizes (pages with different numbers
    of text tokens make tensors of many sizes) leave glibc's heap
    fragmented: freed memory stays mapped, so the resident set size creeps
    up for hundreds of iterations although the memory in use is flat.
    Called after every iteration, this keeps the RSS at the memory in use;
    the cost is mostly the page faults of the next iteration re-mapping
    what was handed back (~8 % of a CPU inference step of the tiny demo
    model). Every few dozen iterations is not enough: the heap regrows
    within a few.

    Returns:
        bool: True when memory was trimmed; False where the C library is
        not glibc (nothing to do there).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
