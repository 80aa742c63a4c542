"""The project's scripts parse, and every file of the repository that the
project's scripts, configs and README name exists (no stale path after a
move or a rename)."""
import glob
import os.path as osp
import re
import subprocess

import pytest

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ROOT = osp.dirname(osp.dirname(PROJECT))
SCRIPTS = sorted(glob.glob(osp.join(PROJECT, '*.sh')))
#: repository paths: configs/..., tools/..., data_tools/..., projects/...
PATH = re.compile(r'(?<![\w./-])((?:configs|tools|data_tools|projects|docs)'
                  r'/[\w./{},*-]+\.(?:py|sh|md))')


def test_scripts_found():
    assert [osp.basename(s) for s in SCRIPTS] == [
        'attention_biases_synth.sh', 'fit_publaynet_samples.sh',
        'text_drop_synth.sh', 'text_vs_image_docbank.sh',
        'text_vs_image_synth.sh', 'vit_stall_isolation.sh'
    ]


@pytest.mark.parametrize('script', SCRIPTS, ids=osp.basename)
def test_script_parses(script):
    subprocess.run(['bash', '-n', script], check=True)


def expand(path):
    """``a{,_b}.py`` -> ``a.py``, ``a_b.py``; ``a*.py`` -> its matches."""
    match = re.search(r'\{([^}]*)\}', path)
    if match:
        return [p for option in match.group(1).split(',')
                for p in expand(path[:match.start()] + option +
                                path[match.end():])]
    return [path]


def named_paths():
    files = SCRIPTS + glob.glob(osp.join(PROJECT, '*.py')) + glob.glob(
        osp.join(PROJECT, 'configs', '**', '*.py'), recursive=True) + [
            osp.join(PROJECT, 'README.md')
        ]
    for file in files:
        text = open(file).read()
        for path in PATH.findall(text):
            yield osp.relpath(file, ROOT), path.rstrip('.')


def test_named_paths_exist():
    missing = []
    for file, path in named_paths():
        for candidate in expand(path):
            # relative to the repository root, or to the naming file
            # (configs and README.md name siblings by relative paths)
            places = [osp.join(ROOT, candidate),
                      osp.join(ROOT, osp.dirname(file), candidate)]
            if not any(glob.glob(place) for place in places):
                missing.append(f'{file}: {candidate}')
    assert not missing, missing
