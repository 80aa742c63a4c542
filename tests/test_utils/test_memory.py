"""release_free_heap_memory: glibc hands freed heap pages back."""
import ctypes.util
import os

import pytest

from mmlayout.utils import release_free_heap_memory


def rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def is_glibc() -> bool:
    name = ctypes.util.find_library('c') or ''
    return 'libc.so.6' in name and hasattr(ctypes.CDLL(name), 'malloc_trim')


@pytest.mark.skipif(not is_glibc(), reason='malloc_trim is glibc only')
def test_fragmented_heap_is_returned():
    blocks = [bytearray(3000) for _ in range(40000)]  # ~115 MiB of malloc
    pinned = blocks[::64]  # keeps the heap from shrinking at its top
    del blocks
    before = rss_mib()
    assert release_free_heap_memory()
    after = rss_mib()
    assert before - after > 50, (before, after)
    assert len(pinned) == 625


@pytest.mark.skipif(is_glibc(), reason='only without glibc')
def test_without_glibc_nothing_happens():
    assert release_free_heap_memory() is False
