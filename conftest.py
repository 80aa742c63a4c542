"""Fixtures and import paths of every test: the suite (tests/) and each
project's own tests (projects/*/tests/, which pytest collects too:
tools/run_tests.sh runs ``pytest tests projects``).

The repository root is importable (pytest puts this file's folder on
``sys.path``), so project modules import as ``projects.<name>.<module>``;
the suite's helpers import as ``helpers``.
"""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.abspath(__file__))
# data_tools/ and tools/ are scripts, not packages: make them importable;
# tests/ for the shared test helpers.
for folder in ('data_tools', 'tools', 'tests'):
    if osp.join(ROOT, folder) not in sys.path:
        sys.path.insert(0, osp.join(ROOT, folder))


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory):
    """A small synthetic CDLA-style dataset laid out like data/synth_cdla/.

    ``train/`` has 4 pages (seed 0) and ``val/`` 2 pages (seed 1), both
    rendered at 400 px width to keep the tests fast.
    """
    import synth_docs
    root = tmp_path_factory.mktemp('synth_cdla')
    for split, seed, pages in (('train', 0, 4), ('val', 1, 2)):
        synth_docs.main(['--out', str(root / split), '--seed', str(seed),
                         '--num-pages', str(pages), '--width', '400'])
    return root


@pytest.fixture(autouse=True)
def isolated_default_scope():
    """Each test starts from the default registry scope the one before found.

    A ``Runner`` built without ``default_scope`` makes ``'mmengine'`` the
    process-wide current scope, after which ``mmdet.registry.MODELS.build``
    looks in mmengine's root registry and misses every mmlayout component:
    a test would pass or fail depending on which tests ran before it.
    """
    from mmengine.registry import DefaultScope
    before = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)
