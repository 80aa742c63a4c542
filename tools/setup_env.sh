#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv/.
#
#   bash tools/setup_env.sh            # CPU stack: torch 2.13.0, mmcv 2.1.0 with ops, mmdet 3.3.0
#   PYTHON=python3.11 bash tools/setup_env.sh
#   MMLAYOUT_DEVICE=cuda TORCH_CUDA_ARCH_LIST=7.5 bash tools/setup_env.sh
#                                      # GPU stack: torch 2.14.1 (CUDA 13.0), mmcv 2.1.0 with CUDA ops
#   bash tools/setup_env.sh --plan     # print the stack this machine gets and check
#                                      # the CUDA toolchain; installs nothing
#   VENV=DIR bash tools/setup_env.sh --mmcv-wheel
#                                      # only build (or take from the cache) the mmcv CUDA
#                                      # wheel for the torch in DIR; prints its path last
#
# MMLAYOUT_DEVICE   auto (default): cuda when `nvidia-smi` works, else cpu; or
#                   cpu / cuda to choose. A GPU machine never falls back to
#                   the CPU stack quietly: a missing or mismatched CUDA
#                   toolkit stops the script with what to install.
# TORCH_CUDA_ARCH_LIST  (cuda) the GPU architectures mmcv's CUDA ops are
#                   compiled for: default those of the GPUs nvidia-smi lists,
#                   "7.5;9.0" without a GPU. RTX 2080 Ti: 7.5.
# CUDA_HOME         (cuda) the toolkit to compile with; default the one whose
#                   nvcc is on PATH (found from where nvcc really lives), then
#                   /usr/local/cuda. Its major version must equal torch's CUDA.
# MMCV_WHEEL        (cuda) an mmcv 2.1.0 wheel with CUDA ops built for the same
#                   torch and Python elsewhere: installed instead of building.
# MMLAYOUT_CACHE    (cuda) where built mmcv wheels are kept, one folder per
#                   torch version + CUDA + Python + arch list (default
#                   ~/.cache/mmlayout): a rerun or another venv takes seconds.
# MAX_JOBS          parallel compile jobs (default: all cores).
# VENV, PYTHON, MMLAYOUT_EXTRAS  the venv (default .venv), the Python that
#                   creates it, the extras of mmlayout to install.
#
# Idempotent: when nothing changed since the last successful run it only checks
# the environment (a few seconds). The first run on a machine builds mmcv's C++
# ops from source (15-25 minutes on 2 cores; with CUDA ops 25-50 minutes); pip
# keeps the built CPU wheel in its cache (the CUDA one is kept in
# MMLAYOUT_CACHE), so later runs - and fresh clones on the same machine - reuse
# it. Switching MMLAYOUT_DEVICE (or the arch list) reinstalls. docs/install.md
# has the details and the troubleshooting.
set -euo pipefail
# The whole script is one { ... } block: bash reads it completely before it runs,
# so editing or pulling this file during a long build cannot derail the run.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
EXTRAS="${MMLAYOUT_EXTRAS:-ocr,pdf,peers,tests}"
STAMP="$VENV/.mmlayout-setup"
# written by the CUDA path: which mmcv CUDA build the venv holds
MMCV_MARKER="$VENV/.mmlayout-mmcv-cuda"
DEFAULT_ARCH_LIST="7.5;9.0"

PLAN=0
WHEEL_ONLY=0
case "${1:-}" in
    '') ;;
    --plan) PLAN=1 ;;
    --mmcv-wheel) WHEEL_ONLY=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0 ;;
    *)
        echo "usage: $0 [--plan | --mmcv-wheel]   (settings come from the environment: $0 --help)" >&2
        exit 2 ;;
esac

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() {
    printf '\033[1m[setup] ERROR:\033[0m %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '        %s\n' "$line" >&2; done
    exit 1
}

gpu_visible() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; }

DEVICE_REQUEST="${MMLAYOUT_DEVICE:-auto}"
if [ "$WHEEL_ONLY" = 1 ]; then DEVICE_REQUEST=cuda; fi
case "$DEVICE_REQUEST" in
    auto) if gpu_visible; then DEVICE=cuda; else DEVICE=cpu; fi ;;
    cpu | cuda) DEVICE="$DEVICE_REQUEST" ;;
    *)
        echo "[setup] MMLAYOUT_DEVICE must be auto, cpu or cuda, not '$DEVICE_REQUEST'" >&2
        exit 2 ;;
esac

if [ "$DEVICE" = cpu ]; then
    CONSTRAINTS="$ROOT/requirements/constraints.txt"
else
    CONSTRAINTS="$ROOT/requirements/constraints-cuda.txt"
fi
ARCH_LIST=""

# Everything that decides what gets installed; if unchanged, skip pip entirely.
fingerprint() {
    cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1
    echo "$EXTRAS"
    echo "device $DEVICE${ARCH_LIST:+ arch $ARCH_LIST}"
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

# The CUDA stack's check: mmcv's ops compiled with CUDA; on a GPU, RoIAlign
# and nms on CUDA equal to CPU. A GPU that nvidia-smi sees but torch cannot
# use (a driver older than the CUDA of torch) is an error, not a CPU fallback.
check_env_cuda() {
    local gpu=0
    if gpu_visible; then gpu=1; fi
    MMLAYOUT_EXPECT_TORCH="$TORCH_VERSION" MMLAYOUT_EXPECT_GPU="$gpu" "$VENV/bin/python" - <<'EOF'
import os
import sys

import torch, mmcv, mmdet, mmengine
from mmcv.ops import RoIAlign, get_compiling_cuda_version, nms
import mmlayout

expect = os.environ['MMLAYOUT_EXPECT_TORCH']
assert torch.__version__.split('+')[0] == expect, (torch.__version__, expect)
compiled = get_compiling_cuda_version()
if torch.version.cuda is None or compiled == 'not available':
    sys.exit(f'[setup] mmcv ops are not compiled with CUDA (torch CUDA '
             f'{torch.version.cuda}, mmcv ops CUDA {compiled})')
head = (f'[setup] torch {torch.__version__} (CUDA {torch.version.cuda}), '
        f'mmcv {mmcv.__version__} (CUDA ops, compiled with CUDA {compiled}), '
        f'mmdet {mmdet.__version__}, mmengine {mmengine.__version__}, '
        f'mmlayout {mmlayout.__version__}')
if not torch.cuda.is_available():
    if os.environ['MMLAYOUT_EXPECT_GPU'] == '1':
        sys.exit(head + '\n[setup] nvidia-smi sees a GPU but torch cannot use '
                 f'it: torch needs an NVIDIA driver for CUDA {torch.version.cuda} '
                 '(see docs/install.md, "GPU")')
    print(head)
    print('[setup] no GPU visible: the CUDA ops are compiled, not run')
    sys.exit(0)

g = torch.Generator().manual_seed(0)
feats = torch.rand(2, 8, 48, 64, generator=g)
xy = torch.rand(32, 2, generator=g) * torch.tensor([400., 300.])
wh = torch.rand(32, 2, generator=g) * 120 + 4
rois = torch.cat([torch.randint(0, 2, (32, 1), generator=g).float(), xy, xy + wh], 1)
roi_align = RoIAlign((7, 7), spatial_scale=1 / 8, sampling_ratio=2, aligned=True)
out_cpu = roi_align(feats, rois)
out_gpu = roi_align(feats.cuda(), rois.cuda()).cpu()
assert torch.allclose(out_cpu, out_gpu, atol=1e-5), (out_cpu - out_gpu).abs().max()
boxes = torch.cat([xy, xy + wh], 1)
scores = torch.rand(32, generator=g)
_, keep_cpu = nms(boxes, scores, 0.5)
_, keep_gpu = nms(boxes.cuda(), scores.cuda(), 0.5)
assert torch.equal(keep_cpu, keep_gpu.cpu()), (keep_cpu, keep_gpu)
print(head)
print(f'[setup] {torch.cuda.get_device_name(0)} (sm_'
      f'{"".join(map(str, torch.cuda.get_device_capability(0)))}): RoIAlign '
      'and nms on CUDA equal to CPU')
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

# ---------------------------------------------------------------- CUDA helpers

pin_of() { sed -n "s/^$1==\([^ #]*\).*/\1/p" "$CONSTRAINTS" | head -n1; }

# GPU architectures to compile for: given, else the GPUs', else the default.
resolve_arch_list() {
    local caps
    if [ -n "${TORCH_CUDA_ARCH_LIST:-}" ]; then
        ARCH_LIST="$TORCH_CUDA_ARCH_LIST"
        ARCH_SOURCE="TORCH_CUDA_ARCH_LIST"
    elif gpu_visible && caps="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null)" \
            && [ -n "$(printf '%s' "$caps" | tr -d ' \r\n')" ]; then
        ARCH_LIST="$(printf '%s\n' "$caps" | tr -d ' \r' | grep -v '^$' | sort -u -V | paste -sd';' -)"
        ARCH_SOURCE="the GPUs nvidia-smi lists"
    else
        ARCH_LIST="$DEFAULT_ARCH_LIST"
        ARCH_SOURCE="default without a GPU; set TORCH_CUDA_ARCH_LIST for yours (2080 Ti: 7.5)"
    fi
    # torch accepts ';' or ' ' between entries; one form for the cache key
    ARCH_LIST="$(printf '%s' "$ARCH_LIST" | tr ' ' ';' | tr -s ';' | sed 's/^;//; s/;$//')"
}

# The CUDA toolkit's root, from where nvcc really lives: the nvcc on PATH may
# be a symlink or a wrapper script that execs the real one (as here:
# /usr/local/bin/nvcc execs /usr/local/cuda-13.0/bin/nvcc), so ask nvcc itself
# (its --dryrun prints TOP=<toolkit>/bin/..). Prints nothing when none found.
find_cuda_toolkit() {
    local nvcc probe top cand
    if [ -n "${CUDA_HOME:-}" ]; then
        echo "$CUDA_HOME"
        return
    fi
    if nvcc="$(command -v nvcc 2>/dev/null)"; then
        probe="$(mktemp -d)"
        : >"$probe/probe.cu"
        top="$(cd "$probe" && nvcc --dryrun -c probe.cu -o probe.o 2>&1 | sed -n 's/^#\$ TOP=//p' | head -n1)" || true
        rm -rf "$probe"
        if [ -n "$top" ] && [ -x "$top/bin/nvcc" ]; then
            (cd "$top" && pwd)
            return
        fi
        dirname "$(dirname "$(readlink -f "$nvcc")")"
        return
    fi
    for cand in ${MMLAYOUT_CUDA_SEARCH-/usr/local/cuda}; do
        if [ -x "$cand/bin/nvcc" ]; then
            echo "$cand"
            return
        fi
    done
}

# Sets CUDA_TOOLKIT and NVCC_VERSION, or stops with what to install.
check_build_toolchain() {
    local want_major="${TORCH_CUDA%%.*}"
    CUDA_TOOLKIT="$(find_cuda_toolkit)"
    if [ -z "$CUDA_TOOLKIT" ] || [ ! -x "$CUDA_TOOLKIT/bin/nvcc" ]; then
        die "no CUDA compiler (nvcc) found${CUDA_HOME:+ in CUDA_HOME=$CUDA_HOME}." \
            "mmcv's CUDA ops are compiled from source and need the CUDA toolkit $want_major.x" \
            "(torch $TORCH_VERSION is a CUDA $TORCH_CUDA build): install 'CUDA Toolkit $TORCH_CUDA'" \
            "(NVIDIA's runfile, or apt's cuda-toolkit-${TORCH_CUDA/./-} from NVIDIA's repository)," \
            "then put its bin/ on PATH or set CUDA_HOME, and rerun." \
            "Alternatives: MMCV_WHEEL=<an mmcv wheel built for torch $TORCH_VERSION>, or" \
            "MMLAYOUT_DEVICE=cpu for the CPU stack (it does not use the GPU)."
    fi
    NVCC_VERSION="$("$CUDA_TOOLKIT/bin/nvcc" --version | sed -n 's/.*release \([0-9][0-9.]*\),.*/\1/p' | head -n1)"
    if [ "${NVCC_VERSION%%.*}" != "$want_major" ]; then
        die "the CUDA toolkit in $CUDA_TOOLKIT is ${NVCC_VERSION:-of unknown version} but torch $TORCH_VERSION is a CUDA $TORCH_CUDA build." \
            "mmcv's CUDA ops must be compiled by a CUDA $want_major.x nvcc: install 'CUDA Toolkit $TORCH_CUDA'" \
            "and point CUDA_HOME at it (or put its bin/ first on PATH), then rerun."
    fi
    if [ ! -f "$CUDA_TOOLKIT/include/cuda_runtime.h" ]; then
        die "$CUDA_TOOLKIT/bin/nvcc exists but $CUDA_TOOLKIT/include/cuda_runtime.h does not:" \
            "an incomplete CUDA toolkit; install the full 'CUDA Toolkit $TORCH_CUDA'."
    fi
    if ! command -v "${CXX:-g++}" >/dev/null 2>&1; then
        die "no C++ compiler (${CXX:-g++}): install g++ (gcc >= 10, for C++20), e.g. apt-get install g++."
    fi
}

# mmcv's _ext library in the venv, and the GPU architectures it carries.
mmcv_ext_path() { ls "$VENV"/lib/python3*/site-packages/mmcv/_ext*.so | head -n1; }
elf_arches() { "$1" --list-elf "$2" | { grep -o 'sm_[0-9]*[a-z]\{0,1\}' || true; } | sort -u -V | paste -sd' ' -; }

# Download mmcv's sdist, patch it, build a wheel into WHEEL_DIR.
build_mmcv_cuda() {
    local build="$CACHE/build/$MMCV_KEY" src log site inc d t0 wheel
    local major="${TORCH_CUDA%%.*}"
    rm -rf "$build"
    mkdir -p "$build"
    log="$build/build.log"
    say "building mmcv $MMCV_VERSION with CUDA ops for TORCH_CUDA_ARCH_LIST=\"$ARCH_LIST\" with nvcc $NVCC_VERSION ($CUDA_TOOLKIT)"
    say "a first build takes 25-50 minutes on 2 cores (each architecture adds to it) - please be patient; log: $log"
    # mmcv's setup.py needs setuptools<70 (build.txt); put back the pinned one afterwards
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements/build.txt"
    # pip prepares an sdist's metadata even to download it: with this venv's torch
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        --no-build-isolation -d "$build" "mmcv==$MMCV_VERSION" >>"$log" 2>&1 \
        || { tail -n 20 "$log" >&2; die "could not download mmcv $MMCV_VERSION's source (log: $log)"; }
    tar -xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
    src="$build/mmcv-$MMCV_VERSION"
    # Trap 1: setup.py hard-codes -std=c++17 for g++ and nvcc; torch >= 2.14's
    # headers need C++20.
    sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
    grep -q -- '-std=c++20' "$src/setup.py" || die "could not switch $src/setup.py to C++20"
    # Trap 2: the compiler needs both the toolkit's headers (crt/ is only
    # there) and those of pip's nvidia packages (cusparse.h is only there),
    # the toolkit's first.
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    inc="$CUDA_TOOLKIT/include"
    if [ -d "$site/nvidia/cu$major/include" ]; then
        inc="$inc:$site/nvidia/cu$major/include"
    else
        for d in "$site"/nvidia/*/include; do
            if [ -d "$d" ]; then inc="$inc:$d"; fi
        done
    fi
    # Trap 3: -lcudart from the toolkit's lib64. The venv's bin/ on PATH puts
    # ninja there (parallel compiles); CUDA_HOME tells torch which toolkit.
    t0=$SECONDS
    if ! (cd "$src" && env CUDA_HOME="$CUDA_TOOLKIT" PATH="$VENV/bin:$CUDA_TOOLKIT/bin:$PATH" \
            FORCE_CUDA=1 MMCV_WITH_OPS=1 TORCH_CUDA_ARCH_LIST="$ARCH_LIST" \
            MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            CPATH="$inc${CPATH:+:$CPATH}" \
            LIBRARY_PATH="$CUDA_TOOLKIT/lib64${LIBRARY_PATH:+:$LIBRARY_PATH}" \
            "$VENV/bin/python" -m pip wheel -v --disable-pip-version-check --no-build-isolation \
            --no-deps -w "$build/dist" .) >>"$log" 2>&1; then
        grep -n -m 20 -E 'error|Error' "$log" >&2 || true
        tail -n 30 "$log" >&2
        die "building mmcv with CUDA ops failed (full log: $log); docs/install.md, \"Troubleshooting\""
    fi
    wheel="$(ls "$build"/dist/mmcv-*.whl)"
    mkdir -p "$WHEEL_DIR"
    mv "$wheel" "$WHEEL_DIR/"
    gzip -c "$log" >"$WHEEL_DIR/build.log.gz"
    rm -rf "$build"
    say "built in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s: $(cached_wheel) ($(du -h "$(cached_wheel)" | cut -f1))"
}

cached_wheel() { ls "$WHEEL_DIR"/mmcv-*.whl 2>/dev/null | head -n1; }

# ------------------------------------------------------------------- the plan

if [ "$DEVICE" = cuda ]; then
    TORCH_VERSION="$(pin_of torch)"
    MMCV_VERSION="$(pin_of mmcv)"
    TORCH_CUDA="$(sed -n 's/^torch==[^#]*#.*cuda \([0-9][0-9.]*\).*/\1/p' "$CONSTRAINTS" | head -n1)"
    if [ "$WHEEL_ONLY" = 1 ]; then
        # for the torch already in the venv, whichever it is
        [ -x "$VENV/bin/python" ] || die "--mmcv-wheel needs VENV=<a venv with the CUDA torch>; $VENV/bin/python does not exist"
        read -r TORCH_VERSION TORCH_CUDA < <("$VENV/bin/python" -c 'import torch; print(torch.__version__.split("+")[0], torch.version.cuda or "none")') \
            || die "--mmcv-wheel: torch does not import in $VENV"
        [ "$TORCH_CUDA" != none ] || die "--mmcv-wheel: the torch $TORCH_VERSION in $VENV is a CPU build"
    fi
    [ -n "$TORCH_VERSION" ] && [ -n "$MMCV_VERSION" ] && [ -n "$TORCH_CUDA" ] \
        || die "$CONSTRAINTS must pin torch (with '# cuda X.Y') and mmcv"
    resolve_arch_list
    PY_FOR_TAG="$PYTHON"
    if [ -x "$VENV/bin/python" ]; then PY_FOR_TAG="$VENV/bin/python"; fi
    PY_TAG="$("$PY_FOR_TAG" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
    CACHE="${MMLAYOUT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmlayout}"
    MMCV_KEY="mmcv-${MMCV_VERSION}_torch-${TORCH_VERSION}_cuda-${TORCH_CUDA}_${PY_TAG}_arch-$(printf '%s' "$ARCH_LIST" | tr ';' '-')"
    WHEEL_DIR="$CACHE/mmcv-wheels/$MMCV_KEY"
    if [ -n "${MMCV_WHEEL:-}" ]; then
        [ -f "$MMCV_WHEEL" ] || die "MMCV_WHEEL=$MMCV_WHEEL: no such file"
        MMCV_ID="wheel $(sha256sum "$MMCV_WHEEL" | cut -c1-16)"
        MMCV_SOURCE="the given wheel $MMCV_WHEEL"
    elif [ -n "$(cached_wheel)" ]; then
        MMCV_ID="$MMCV_KEY"
        MMCV_SOURCE="the cached wheel $(cached_wheel)"
    else
        MMCV_ID="$MMCV_KEY"
        MMCV_SOURCE="a build from source into $WHEEL_DIR"
    fi
    MMCV_READY=0
    if [ -f "$MMCV_MARKER" ] && [ "$(cat "$MMCV_MARKER")" = "$MMCV_ID" ]; then MMCV_READY=1; fi
    NEED_BUILD=0
    if [ "$MMCV_READY" = 0 ] && [ "$MMCV_SOURCE" = "a build from source into $WHEEL_DIR" ]; then NEED_BUILD=1; fi
fi

if [ "$PLAN" = 1 ]; then
    echo "device:      $DEVICE (MMLAYOUT_DEVICE=$DEVICE_REQUEST)"
    echo "venv:        $VENV"
    echo "constraints: $CONSTRAINTS"
    if [ "$DEVICE" = cpu ]; then
        echo "torch:       2.13.0 (CPU wheel)"
        echo "mmcv:        2.1.0 with CPU ops (pip's wheel cache, else built from source)"
    else
        echo "torch:       $TORCH_VERSION (CUDA $TORCH_CUDA build)"
        echo "arch list:   $ARCH_LIST ($ARCH_SOURCE)"
        if [ "$MMCV_READY" = 1 ]; then
            echo "mmcv:        $MMCV_VERSION with CUDA ops: installed in the venv ($MMCV_ID)"
        else
            echo "mmcv:        $MMCV_VERSION with CUDA ops from $MMCV_SOURCE"
        fi
        if [ "$NEED_BUILD" = 1 ]; then
            check_build_toolchain
            echo "toolkit:     $CUDA_TOOLKIT (nvcc $NVCC_VERSION)"
        fi
    fi
    echo "fingerprint: $(fingerprint | paste -sd' ' -)"
    exit 0
fi

if [ "$WHEEL_ONLY" = 1 ]; then
    # Build (or take from the cache) the mmcv wheel for the venv's torch and
    # print its path last; install nothing (tools/gpu_smoke.sh uses this on
    # machines whose torch is preinstalled).
    if [ -n "${MMCV_WHEEL:-}" ]; then
        printf '%s\n' "$MMCV_WHEEL"
        exit 0
    fi
    if [ -z "$(cached_wheel)" ]; then
        check_build_toolchain
        build_mmcv_cuda
    fi
    cached_wheel
    exit 0
fi

install_font

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
    say "environment in $VENV is up to date; checking it"
    if [ "$DEVICE" = cpu ]; then
        if check_env; then exit 0; fi
    else
        if check_env_cuda; then exit 0; fi
    fi
    say "check failed; reinstalling"
fi

# ------------------------------------------------------------------ CPU stack

if [ "$DEVICE" = cpu ]; then

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -c "$CONSTRAINTS")

say "installing torch 2.13.0 (CPU); the constraints file keeps anything from replacing it"
"${PIP[@]}" -q torch==2.13.0

if [ -f "$MMCV_MARKER" ]; then
    # the venv held the CUDA stack: its mmcv was built for another torch
    "$VENV/bin/python" -m pip uninstall -q -y mmcv
    rm -f "$MMCV_MARKER"
fi
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
exit 0

fi

# ----------------------------------------------------------------- CUDA stack

say "GPU stack: torch $TORCH_VERSION (CUDA $TORCH_CUDA), mmcv $MMCV_VERSION with CUDA ops for TORCH_CUDA_ARCH_LIST=\"$ARCH_LIST\" ($ARCH_SOURCE)"
# Check the toolchain before downloading gigabytes.
if [ "$NEED_BUILD" = 1 ]; then
    check_build_toolchain
    say "CUDA toolkit: $CUDA_TOOLKIT (nvcc $NVCC_VERSION)"
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -c "$CONSTRAINTS")

say "installing torch $TORCH_VERSION (CUDA build, ~5.5 GB with its nvidia-* libraries); the constraints file keeps anything from replacing it"
"${PIP[@]}" -q "torch==$TORCH_VERSION"
GOT_CUDA="$("$VENV/bin/python" -c 'import torch; print(torch.version.cuda or "none")')"
if [ "${GOT_CUDA%%.*}" != "${TORCH_CUDA%%.*}" ]; then
    die "pip installed a torch $TORCH_VERSION built for CUDA $GOT_CUDA, not $TORCH_CUDA." \
        "A CPU-only torch wheel (e.g. from a find-links folder or a CPU index) shadows the CUDA one:" \
        "remove it or point pip at an index with the CUDA build, then rerun."
fi

if [ "$MMCV_READY" = 1 ] && "$VENV/bin/python" -c 'import mmcv._ext' 2>/dev/null; then
    say "mmcv with CUDA ops already installed"
else
    if [ -n "${MMCV_WHEEL:-}" ]; then
        wheel="$MMCV_WHEEL"
    else
        if [ -z "$(cached_wheel)" ]; then
            [ -n "${CUDA_TOOLKIT:-}" ] || check_build_toolchain
            build_mmcv_cuda
        fi
        wheel="$(cached_wheel)"
        say "installing mmcv from $wheel"
    fi
    "${PIP[@]}" -q --no-deps --force-reinstall "$wheel"
    # its dependencies (the installed mmcv satisfies the pin; pip adds what it needs)
    "${PIP[@]}" -q "mmcv==$MMCV_VERSION"
    printf '%s\n' "$MMCV_ID" >"$MMCV_MARKER"
    "${PIP[@]}" -q --upgrade setuptools
fi
# The architectures really in the library: cuobjdump from the toolkit, PATH,
# or the copy torch's triton dependency ships.
CUOBJDUMP="$(command -v cuobjdump 2>/dev/null || true)"
if [ -n "${CUDA_TOOLKIT:-}" ] && [ -x "$CUDA_TOOLKIT/bin/cuobjdump" ]; then CUOBJDUMP="$CUDA_TOOLKIT/bin/cuobjdump"; fi
if [ -z "$CUOBJDUMP" ]; then
    CUOBJDUMP="$(ls "$VENV"/lib/python3*/site-packages/triton/backends/nvidia/bin/cuobjdump 2>/dev/null | head -n1 || true)"
fi
if [ -z "$CUOBJDUMP" ]; then
    say "no cuobjdump here: the GPU architectures in mmcv's library are not checked"
else
    EXT="$(mmcv_ext_path)"
    HAVE="$(elf_arches "$CUOBJDUMP" "$EXT")"
    say "$(basename "$EXT") carries GPU code for: ${HAVE:-nothing}"
    for arch in ${ARCH_LIST//;/ }; do
        num="${arch%%+*}"
        num="${num//./}"
        case "$num" in
            *[!0-9a-z]* | '') continue ;;  # named architectures (e.g. Turing): not checked
        esac
        case " $HAVE " in
            *" sm_$num "*) ;;
            *) die "mmcv's $EXT has no sm_$num code although TORCH_CUDA_ARCH_LIST asks for $arch" ;;
        esac
    done
fi

say "installing mmlayout (editable) with extras [$EXTRAS] and its dependencies"
"${PIP[@]}" -q -e "$ROOT[$EXTRAS]"

check_env_cuda
fingerprint > "$STAMP"
say "done: activate with 'source $VENV/bin/activate'"
exit
}
