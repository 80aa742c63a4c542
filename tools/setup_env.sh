#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv/.
#
#   bash tools/setup_env.sh            # CPU stack: torch 2.13.0, mmcv 2.1.0 with ops, mmdet 3.3.0
#   PYTHON=python3.11 bash tools/setup_env.sh
#
# Idempotent: when nothing changed since the last successful run it only checks
# the environment (a few seconds). The first run on a machine builds mmcv's C++
# ops from source (15-25 minutes on 2 cores); pip keeps the built wheel in its
# cache, so later runs - and fresh clones on the same machine - reuse it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
EXTRAS="${MMLAYOUT_EXTRAS:-ocr,pdf,tests}"
STAMP="$VENV/.mmlayout-setup"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Everything that decides what gets installed; if unchanged, skip pip entirely.
fingerprint() {
    cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1
    echo "$EXTRAS"
}

check_env() {
    "$VENV/bin/python" - <<'EOF'
import torch, mmcv, mmdet, mmengine
from mmcv.ops import RoIAlign, nms  # fails without the compiled ops
import mmlayout
assert torch.__version__.startswith('2.13.0'), torch.__version__
print(f'[setup] torch {torch.__version__}, mmcv {mmcv.__version__} (ops ok), '
      f'mmdet {mmdet.__version__}, mmengine {mmengine.__version__}, mmlayout {mmlayout.__version__}')
EOF
}

install_font() {
    if fc-list 2>/dev/null | grep -qi 'wqy.*micro' || [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
        return
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "installing the CJK font fonts-wqy-microhei (used to render synthetic pages)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei) >/dev/null \
            || say "WARNING: could not install fonts-wqy-microhei; Chinese synthetic pages will fall back to DejaVu"
    else
        say "WARNING: fonts-wqy-microhei missing and apt-get unavailable; run: sudo apt-get install fonts-wqy-microhei"
    fi
}

install_font

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
    say "environment in $VENV is up to date; checking it"
    if check_env; then exit 0; fi
    say "check failed; reinstalling"
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -c "$CONSTRAINTS")

say "installing torch 2.13.0 (CPU); the constraints file keeps anything from replacing it"
"${PIP[@]}" -q torch==2.13.0

if "$VENV/bin/python" -c 'import mmcv, mmcv._ext' 2>/dev/null; then
    say "mmcv with ops already installed"
else
    say "installing mmcv 2.1.0 with compiled ops; from pip's wheel cache this takes seconds,"
    say "a first build from source takes 15-25 minutes on 2 cores - please be patient"
    # mmcv's setup.py needs setuptools<70 while torch wants >=77: build with
    # the old one (outside the constraints), then put the pinned one back.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements/build.txt"
    MAX_JOBS="${MAX_JOBS:-$(nproc)}" MMCV_WITH_OPS=1 "${PIP[@]}" --no-build-isolation mmcv==2.1.0
    "${PIP[@]}" -q --upgrade setuptools
fi

say "installing mmlayout (editable) with extras [$EXTRAS] and its dependencies"
"${PIP[@]}" -q -e "$ROOT[$EXTRAS]"

check_env
fingerprint > "$STAMP"
say "done: activate with 'source $VENV/bin/activate'"
