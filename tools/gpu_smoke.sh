#!/usr/bin/env bash
# Prove the GPU stack on a GPU machine in a few minutes, and measure it.
#
#   bash tools/gpu_smoke.sh [--out DIR] [--wheels DIR] [--python PY] [--iters N]
#   bash tools/gpu_smoke.sh --dry-run [--out DIR] [--python PY]
#   bash tools/gpu_smoke.sh --prepare-wheels DIR [--python-version 3.12]
#
# A real run (budget: 8 minutes with the stack installed or brought as wheels):
#  1. stack: torch with CUDA, mmcv with CUDA ops, mmdet, mmengine. Taken from
#     --python, else from .venv when that is a CUDA stack; else installed
#     offline from --wheels DIR (default ./wheels when it exists; made with
#     --prepare-wheels) into .venv-gpu-smoke, a venv that sees the machine's
#     own torch (--system-site-packages); else online with
#     MMLAYOUT_DEVICE=cuda bash tools/setup_env.sh.
#  2. the CUDA tests (pytest -k cuda on every test file with a CUDA-only
#     test): mmcv's CUDA ops equal to CPU (tests/test_tools/test_gpu_stack.py:
#     RoIAlign, nms, mmdet's RoI extractor), TextBoxFusion on CUDA
#     (test_cuda_without_syncs), RowSpanSum CUDA vs CPU; a skip is a failure.
#  3. training: configs/layoutmm_cascade_cdla.py (LayoutLMv3 base-chinese
#     text-aware Cascade R-CNN) with random weights on synthetic Chinese pages
#     and a tokenizer trained on them: N iterations (20) of tools/train.py at
#     2 images/GPU, 1333x800 with 512 tokens a page, fp16 AMP (--amp) and
#     gradient checkpointing (the config's with_cp): s/iteration and peak GPU
#     memory (MMEngine's max_memory_allocated).
#  4. inference: tools/analysis_tools/benchmark.py, batch 8: ms/page.
# Figures and logs go to --out (default work_dirs/gpu_smoke): summary.md.
#
# --dry-run does everything up to the first CUDA call on any machine (the
# stack check, pages, tokenizer, config, one training sample through the
# pipeline, the model built on the CPU) and prints the commands it would run.
#
# --prepare-wheels DIR (on a machine with the package registry): downloads
# the wheels an offline GPU machine needs besides its own torch (mmengine,
# mmdet, mmlayout's requirements, pytest, mmcv's build requirements) for
# --python-version (default 3.12), and mmcv's source; MMCV_WHEEL=<wheel> also
# copies an mmcv wheel built for that machine's Python and torch (with
# VENV=<venv> bash tools/setup_env.sh --mmcv-wheel). Carry DIR in the working
# tree (e.g. wheels/) and run: bash tools/gpu_smoke.sh --wheels wheels.
# Without an mmcv wheel there, mmcv is built there from the source (needs
# nvcc of torch's CUDA major; a few minutes on 16 cores, outside the budget).
set -euo pipefail
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/work_dirs/gpu_smoke"
WHEELS=""
PY=""
ITERS=20
DRY_RUN=0
PREPARE=""
PY_VERSION=3.12
STEP_TIMEOUT="${SMOKE_STEP_TIMEOUT:-900}"

usage() { sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --out) OUT_DIR="$2"; shift ;;
        --wheels) WHEELS="$2"; shift ;;
        --python) PY="$2"; shift ;;
        --iters) ITERS="$2"; shift ;;
        --prepare-wheels) PREPARE="$2"; shift ;;
        --python-version) PY_VERSION="$2"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
    shift
done

say() { printf '\033[1m[gpu-smoke]\033[0m %s\n' "$*"; }
die() { printf '\033[1m[gpu-smoke] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }
# what a dry run prints instead of running
would() { printf '\033[1m[gpu-smoke] would run:\033[0m %s\n' "$*"; }
T0=$SECONDS
elapsed() { printf '%dm%02ds' $(((SECONDS - T0) / 60)) $(((SECONDS - T0) % 60)); }

# ------------------------------------------------------------ --prepare-wheels

if [ -n "$PREPARE" ]; then
    mkdir -p "$PREPARE"
    PREPARE="$(cd "$PREPARE" && pwd)"
    pyv="${PY_VERSION//./}"
    TARGET=(--only-binary=:all: --python-version "$PY_VERSION" --implementation cp
        --abi "cp$pyv" --abi abi3 --abi none
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
        --platform manylinux2014_x86_64 --platform any)
    HOST_PY="${PYTHON:-python3}"
    say "downloading the wheels for CPython $PY_VERSION on x86-64 Linux into $PREPARE (no torch: the GPU machine brings its own)"
    # Not requirements/constraints*.txt: they pin a torch, and torch is not wanted here.
    "$HOST_PY" -m pip download -q --disable-pip-version-check -d "$PREPARE" "${TARGET[@]}" \
        mmengine==0.10.7 mmdet==3.3.0 -r "$ROOT/requirements/runtime.txt" pytest pytest-timeout
    # mmcv's build (if no mmcv wheel comes along): setuptools<70, wheel, ninja
    "$HOST_PY" -m pip download -q --disable-pip-version-check -d "$PREPARE" "${TARGET[@]}" \
        -r "$ROOT/requirements/build.txt"
    # mmcv's source. pip prepares an sdist's metadata even to download it, and
    # mmcv's setup.py imports torch: use a Python that has torch (.venv).
    SDIST_PY="$HOST_PY"
    if [ -x "$ROOT/.venv/bin/python" ]; then SDIST_PY="$ROOT/.venv/bin/python"; fi
    "$SDIST_PY" -m pip download -q --disable-pip-version-check -d "$PREPARE" --no-deps \
        --no-binary :all: --no-build-isolation mmcv==2.1.0 \
        || say "WARNING: could not download mmcv's source with $SDIST_PY (needs torch); bring an mmcv wheel (MMCV_WHEEL)"
    if [ -n "${MMCV_WHEEL:-}" ]; then
        cp "$MMCV_WHEEL" "$PREPARE/"
        say "added $MMCV_WHEEL"
    fi
    say "$(find "$PREPARE" -maxdepth 1 -type f | wc -l) files, $(du -sh "$PREPARE" | cut -f1) in $PREPARE"
    if ! ls "$PREPARE"/mmcv-2.1.0-cp"$pyv"-*.whl >/dev/null 2>&1; then
        say "no mmcv wheel for cp$pyv in $PREPARE: the GPU machine will build mmcv from its source (needs nvcc)"
    fi
    exit 0
fi

# ---------------------------------------------------------------------- stack

mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
LOGS="$OUT_DIR/logs"
mkdir -p "$LOGS"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"
if [ -z "$WHEELS" ] && [ -d "$ROOT/wheels" ]; then WHEELS="$ROOT/wheels"; fi

# Prints "torch ... | cuda X | ops Y | ..." without touching the GPU; exit 3
# when the stack does not import.
stack_report() {
    "$1" - <<'EOF' 2>/dev/null
import sys
try:
    import torch
    import mmcv, mmdet, mmengine, transformers
    from mmcv.ops import get_compiling_cuda_version
except Exception as error:  # noqa: BLE001
    print(f'{type(error).__name__}: {error}')
    sys.exit(3)
print(f'torch {torch.__version__} (CUDA {torch.version.cuda}), mmcv '
      f'{mmcv.__version__} (ops CUDA {get_compiling_cuda_version()}), mmdet '
      f'{mmdet.__version__}, mmengine {mmengine.__version__}, transformers '
      f'{transformers.__version__}, Python {sys.version.split()[0]}')
sys.exit(0 if torch.version.cuda and get_compiling_cuda_version() != 'not available' else 4)
EOF
}

install_offline() {
    local venv="$ROOT/.venv-gpu-smoke" base="${PYTHON:-python3}" tag wheel
    [ -d "$WHEELS" ] || die "--wheels $WHEELS: no such folder"
    say "installing offline from $WHEELS into $venv (it sees $base's own torch)"
    if [ ! -x "$venv/bin/python" ]; then
        "$base" -m venv --system-site-packages "$venv" \
            || die "could not create a venv with $base (python3-venv missing?); pass --python PY to install into PY"
    fi
    "$venv/bin/python" -c 'import torch' 2>/dev/null \
        || die "no torch in $base: an offline install expects the machine's own CUDA torch"
    PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELS" "$venv/bin/python" -m pip install -q \
        --disable-pip-version-check mmengine==0.10.7 mmdet==3.3.0 -r "$ROOT/requirements/runtime.txt" \
        pytest pytest-timeout 'setuptools<81'  # mmengine 0.10.7 imports pkg_resources
    tag="$("$venv/bin/python" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
    wheel="$(ls "$WHEELS"/mmcv-2.1.0-"$tag"-*.whl 2>/dev/null | head -n1 || true)"
    if [ -z "$wheel" ]; then
        say "no mmcv wheel for $tag in $WHEELS: building one from the source there (tools/setup_env.sh --mmcv-wheel)"
        wheel="$(PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELS" VENV="$venv" \
            bash "$ROOT/tools/setup_env.sh" --mmcv-wheel | tail -n1)"
    fi
    PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELS" "$venv/bin/python" -m pip install -q \
        --disable-pip-version-check --no-deps --force-reinstall "$wheel"
    PY="$venv/bin/python"
}

find_stack() {
    local report status
    if [ -n "$PY" ]; then
        report="$(stack_report "$PY")" && return 0
        status=$?
        if [ "$DRY_RUN" = 1 ] && [ "$status" = 4 ]; then return 0; fi
        die "--python $PY: not a CUDA stack: $report"
    fi
    for candidate in "$ROOT/.venv/bin/python" "$ROOT/.venv-gpu-smoke/bin/python"; do
        if [ -x "$candidate" ] && report="$(stack_report "$candidate")"; then
            PY="$candidate"
            return 0
        fi
    done
    if [ "$DRY_RUN" = 1 ]; then
        if [ -n "$WHEELS" ]; then
            would "offline install from $WHEELS into $ROOT/.venv-gpu-smoke (venv --system-site-packages; mmcv from a wheel there, else setup_env.sh --mmcv-wheel)"
        else
            would "MMLAYOUT_DEVICE=cuda bash tools/setup_env.sh"
        fi
        # carry on with whatever imports, to check the rest
        PY="$ROOT/.venv/bin/python"
        [ -x "$PY" ] || PY="${PYTHON:-python3}"
        return 0
    fi
    if [ -n "$WHEELS" ]; then
        install_offline
    else
        say "no CUDA stack found: MMLAYOUT_DEVICE=cuda bash tools/setup_env.sh"
        MMLAYOUT_DEVICE=cuda bash "$ROOT/tools/setup_env.sh"
        PY="$ROOT/.venv/bin/python"
    fi
    report="$(stack_report "$PY")" || die "the stack in $PY still fails: $report"
}

say "output: $OUT_DIR"
find_stack
STACK="$(stack_report "$PY" || true)"
say "python: $PY"
say "stack:  $STACK"
case "$STACK" in
    *'(CUDA None)'* | *'ops CUDA not available'*)
        if [ "$DRY_RUN" = 1 ]; then
            say "(not a CUDA stack: fine for a dry run, the real run needs one)"
        fi ;;
esac

# ---------------------------------------------------- pages, tokenizer, config

PAGES="$OUT_DIR/pages"
if [ ! -f "$PAGES/annotations.json" ]; then
    say "rendering 16 synthetic Chinese pages (1000 px wide) into $PAGES"
    "$PY" "$ROOT/data_tools/synth_docs.py" --out "$PAGES" --num-pages 16 --lang zh \
        --width 1000 --seed 0 --workers 2 >"$LOGS/synth_docs.log" 2>&1 \
        || { tail -n 20 "$LOGS/synth_docs.log" >&2; die "synth_docs.py failed"; }
fi
if [ ! -f "$OUT_DIR/tokenizer/tokenizer.json" ]; then
    say "training a tokenizer on their text (the hub's layoutlmv3-base-chinese tokenizer may be out of reach)"
    "$PY" "$ROOT/data_tools/build_tokenizer.py" "$PAGES/ocr" --out "$OUT_DIR/tokenizer" \
        --kind unigram --vocab-size 4000 >"$LOGS/build_tokenizer.log" 2>&1 \
        || { tail -n 20 "$LOGS/build_tokenizer.log" >&2; die "build_tokenizer.py failed"; }
fi

CONFIG="$OUT_DIR/smoke_layoutmm_cascade_cdla.py"
say "writing $CONFIG (configs/layoutmm_cascade_cdla.py: random weights, these pages, $ITERS iterations)"
SMOKE_ROOT="$ROOT" SMOKE_OUT="$OUT_DIR" SMOKE_ITERS="$ITERS" SMOKE_DRY_RUN="$DRY_RUN" \
    "$PY" - <<'EOF' 2>"$LOGS/config.log" | tee -a "$LOGS/config.out" || { tail -n 30 "$LOGS/config.log" >&2; die "preparing the config failed"; }
import os
import os.path as osp

from mmengine.config import Config

root, out = os.environ['SMOKE_ROOT'], os.environ['SMOKE_OUT']
cfg = Config.fromfile(osp.join(root, 'configs/layoutmm_cascade_cdla.py'))
cfg.model.backbone.pretrained = None  # random weights
cfg.tokenizer = osp.join(out, 'tokenizer')
cfg.ocr_root = osp.join(out, 'pages', 'ocr') + '/'
train = cfg.train_dataloader
train.batch_size = 2
train.num_workers = 2
train.dataset.update(data_root=osp.join(out, 'pages') + '/',
                     ann_file='annotations.json',
                     data_prefix=dict(img='images/'))
for transform in train.dataset.pipeline:
    if transform.type == 'RandomChoiceResize':  # the largest training scale
        transform.scales = [(1333, 800)]
    if transform.type == 'OCRTokenLoad':
        assert transform.get('max_tokens', 512) == 512
iters = int(os.environ['SMOKE_ITERS'])
cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters,
                     val_interval=iters + 1)
cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
cfg.default_hooks.checkpoint = None  # nothing to keep from random weights
cfg.default_hooks.logger.interval = 1
cfg.default_hooks.pop('visualization', None)
cfg.amp = True  # fp16 AMP on GPUs (tools/train.py --amp)
cfg.randomness = dict(seed=0)
path = osp.join(out, 'smoke_layoutmm_cascade_cdla.py')
cfg.dump(path)
backbone = cfg.model.backbone
print(f'config: {backbone.type} {backbone.arch}, with_cp '
      f'{backbone.get("with_cp")}, fusion {cfg.model.fusion.type}, '
      f'batch {train.batch_size}, {iters} iterations, amp')

if os.environ['SMOKE_DRY_RUN'] == '1':
    # Everything a training run does before it touches the GPU.
    import torch
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules

    import mmlayout  # noqa: F401
    from mmlayout.utils import prepare_config
    register_all_modules()
    cfg = Config.fromfile(path)
    prepare_config(cfg, path)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    sample = dataset[0]
    tokens = len(sample['data_samples'].text.input_ids)
    print(f'dataset: {len(dataset)} pages; first training sample: image '
          f'{tuple(sample["inputs"].shape)}, {tokens} tokens')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    millions = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'model: {cfg.model.type}, {millions:.1f} M parameters (built on '
          'the CPU; the real run moves it to the GPU here)')
EOF

# -------------------------------------------------------------- GPU figures

# Every test file with a CUDA-only test (tests/helpers/cuda.py's markers or
# a skipif on torch.cuda.is_available()); -k cuda picks the CUDA tests.
mapfile -t CUDA_TESTS < <(cd "$ROOT" && grep -rlE 'requires_cuda|skipif\(not torch\.cuda\.is_available' \
    --include='test_*.py' tests projects 2>/dev/null | sort)
PYTEST=("$PY" -m pytest -q -rs -p no:cacheprovider -k cuda "${CUDA_TESTS[@]/#/$ROOT/}")
TRAIN=("$PY" "$ROOT/tools/train.py" "$CONFIG" --work-dir "$OUT_DIR/train" --amp)
BENCH=("$PY" "$ROOT/tools/analysis_tools/benchmark.py" "$CONFIG" --device cuda
    --batch-size 8 --pages 32 --warmup 1)

if [ "$DRY_RUN" = 1 ]; then
    "$PY" -c 'import torch, mmcv.ops as o; print("[gpu-smoke] first CUDA call next; torch.version.cuda =", torch.version.cuda, "| mmcv ops compiled with CUDA", o.get_compiling_cuda_version())'
    would "nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv"
    would "${PYTEST[*]}   (CUDA ops equal to CPU; TextBoxFusion and RowSpanSum on CUDA; a skip fails)"
    would "${TRAIN[*]}   (s/iteration, peak GPU memory from $OUT_DIR/train/*/vis_data/scalars.json)"
    would "${BENCH[*]}   (ms/page at batch 8)"
    say "dry run done in $(elapsed)"
    exit 0
fi

"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
    || die "torch sees no GPU (driver too old for CUDA $("$PY" -c 'import torch; print(torch.version.cuda)')? nvidia-smi says: $(nvidia-smi -L 2>&1 | head -n1))"
GPU="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null | head -n1 || true)"
say "GPU: $GPU"
SUMMARY="$OUT_DIR/summary.md"
{
    echo "# tools/gpu_smoke.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- GPU: $GPU"
    echo "- stack: $STACK"
    echo
} >"$SUMMARY"
FAILED=0

say "CUDA tests: mmcv's CUDA ops, TextBoxFusion, RowSpanSum on CUDA vs CPU (pytest -k cuda)"
if timeout "$STEP_TIMEOUT" "${PYTEST[@]}" >"$LOGS/pytest.log" 2>&1 && ! grep -q 'skipped' "$LOGS/pytest.log"; then
    RESULT="passed: $(tail -n1 "$LOGS/pytest.log")"
else
    RESULT="FAILED (or skipped): $(tail -n1 "$LOGS/pytest.log")"
    FAILED=1
    tail -n 30 "$LOGS/pytest.log" >&2
fi
say "  $RESULT"
echo "- CUDA tests (${#CUDA_TESTS[@]} files, -k cuda: mmcv ops, TextBoxFusion, RowSpanSum equal to CPU): $RESULT" >>"$SUMMARY"

say "training $ITERS iterations (batch 2, 1333x800 + 512 tokens, fp16 AMP, checkpointing)"
rm -rf "$OUT_DIR/train"
if timeout "$STEP_TIMEOUT" "${TRAIN[@]}" >"$LOGS/train.log" 2>&1; then
    TRAIN_FIGURES="$("$PY" - "$OUT_DIR/train" <<'EOF'
import glob
import json
import math
import statistics
import sys

rows = []
for path in glob.glob(f'{sys.argv[1]}/*/vis_data/scalars.json'):
    with open(path) as f:
        rows += [json.loads(line) for line in f if line.strip()]
rows = [r for r in rows if 'time' in r]
rows.sort(key=lambda r: r['step'])
steady = [r['time'] for r in rows[5:]] or [r['time'] for r in rows]
peak = max(r.get('memory', 0) for r in rows)
finite = all(math.isfinite(r['loss']) for r in rows)
print(f"{statistics.median(steady):.3f} s/iteration (median of iterations "
      f"{rows[min(5, len(rows) - 1)]['step']}-{rows[-1]['step']}), peak GPU "
      f"memory {peak / 1024:.2f} GB allocated ({'fits' if peak < 11 * 1024 else 'does NOT fit'} "
      f"11 GB; reserved is higher), losses {'finite' if finite else 'NOT finite'}, "
      f"last loss {rows[-1]['loss']:.3f}")
EOF
)" || { TRAIN_FIGURES="FAILED to read the training log"; FAILED=1; }
else
    TRAIN_FIGURES="FAILED: $(grep -m1 -E 'Error|error' "$LOGS/train.log" || tail -n1 "$LOGS/train.log")"
    FAILED=1
    tail -n 30 "$LOGS/train.log" >&2
fi
say "  $TRAIN_FIGURES"
echo "- training, configs/layoutmm_cascade_cdla.py (random weights), $ITERS iterations, 2 images/GPU, 1333x800 + 512 tokens, fp16 AMP, checkpointing: $TRAIN_FIGURES" >>"$SUMMARY"

say "inference at batch 8 (fp32)"
if timeout "$STEP_TIMEOUT" "${BENCH[@]}" >"$LOGS/benchmark.log" 2>&1; then
    INFER="$(grep -E '^(OCR excluded|peak memory|pages:)' "$LOGS/benchmark.log" | paste -sd';' -)"
else
    INFER="FAILED: $(tail -n1 "$LOGS/benchmark.log")"
    FAILED=1
    tail -n 30 "$LOGS/benchmark.log" >&2
fi
say "  $INFER"
echo "- inference, batch 8, fp32: $INFER" >>"$SUMMARY"
echo "- wall time: $(elapsed)" >>"$SUMMARY"

say "done in $(elapsed); figures in $SUMMARY, logs in $LOGS"
cat "$SUMMARY"
exit "$FAILED"
}
