#!/usr/bin/env bash
# Prepare, on this CPU machine, what a bare GPU machine needs to run
# run_payoff.sh: a kit folder (default device_kit/, git-ignored) with
#  - wheels for the GPU machine's Python (default 3.12) that it lacks:
#    mmengine, mmdet and their small dependencies, and a pure-Python mmcv
#    (MMCV_WITH_OPS=0, built here from mmcv's source);
#  - mmcv_ext_torchvision.py, installed there as mmcv/_ext.py (RoIAlign and
#    nms through torchvision), and the outputs of this machine's real mmcv
#    build to check it against (check_routed_ops.py);
#  - the fonts synth_docs.py renders with, and the tokenizer of the
#    text-decided pages (built here if missing: the same one as CPU runs).
#
#   bash projects/layoutlmv3_pretraining/device/prepare.sh [KIT]
# then carry KIT and run, on the GPU machine, from the repository root:
#   KIT=KIT bash projects/layoutlmv3_pretraining/device/run_payoff.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
KIT="${1:-device_kit}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"  # an absolute path
PY_VERSION="${PY_VERSION:-3.12}"
HERE=projects/layoutlmv3_pretraining/device
mkdir -p "$KIT/wheels" "$KIT/fonts"
python3 -m pip download -q --no-deps --only-binary=:all: \
    --python-version "$PY_VERSION" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$KIT/wheels" mmengine==0.10.7 mmdet==3.3.0 addict==2.4.0 \
    yapf==0.43.0 termcolor==3.3.0 terminaltables==3.1.10 \
    pycocotools==2.0.11 shapely==2.2.0 platformdirs==4.14.9 \
    setuptools==80.9.0
if ! ls "$KIT"/wheels/mmcv_lite-2.1.0-*.whl > /dev/null 2>&1; then
    build=$(mktemp -d)
    "$PY" -m pip download -q --no-deps --no-binary :all: \
        --no-build-isolation mmcv==2.1.0 \
        -d "$build"
    tar xzf "$build"/mmcv-2.1.0.tar.gz -C "$build"
    (cd "$build/mmcv-2.1.0" && MMCV_WITH_OPS=0 "$PY" setup.py -q \
        bdist_wheel > /dev/null)
    cp "$build"/mmcv-2.1.0/dist/mmcv_lite-2.1.0-*.whl "$KIT/wheels/"
    rm -rf "$build"
fi
cp "$HERE/mmcv_ext_torchvision.py" "$KIT/"
$PY "$HERE/check_routed_ops.py" save "$KIT/mmcv_ops_reference.pt"
$PY - "$KIT/fonts" <<'PYEOF'
import shutil, sys
sys.path.insert(0, 'data_tools')
from synthdocs.fonts import font_paths
for path in set(font_paths().values()):
    shutil.copy(path, sys.argv[1])
PYEOF
tokenizer=data/synth_text_decided/tokenizer
if [ ! -f "$tokenizer/tokenizer.json" ]; then
    [ -f data/synth_text_decided/train/annotations.json ] || \
        $PY data_tools/synth_docs.py --out data/synth_text_decided/train \
            --seed 0 --num-pages 400 --lang mix --text-decided \
            --workers "$(nproc)"
    $PY data_tools/build_tokenizer.py data/synth_text_decided/train/ocr \
        --out "$tokenizer" --kind unigram --vocab-size 8000
fi
rm -rf "$KIT/tokenizer" && cp -r "$tokenizer" "$KIT/tokenizer"
du -sh "$KIT"
