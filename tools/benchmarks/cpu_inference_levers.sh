#!/usr/bin/env bash
# CPU inference levers of a trained detector, each measured for speed and
# accuracy in one run: ms/page (tools/analysis_tools/benchmark.py on the
# evaluation pages, after 2 warm-up pages) and bbox mAP (tools/test.py on
# the config's test set) for
#   fp32        the config as it is
#   int8        int8 dynamic quantisation of the backbone's Linear layers
#   bf16        bfloat16 autocast (benchmark.py --dtype bf16, test.py
#               --amp): CPUs with native bfloat16 only (AVX512-BF16, AMX)
#   rpn<N>      N test-time RPN proposals (model.test_cfg.rpn.max_per_img)
# then prints one table. Run it on a quiet machine: the times are only
# comparable with each other.
#
#   bash tools/benchmarks/cpu_inference_levers.sh CONFIG CHECKPOINT PAGES \
#       [LEVER ...] [-- key=value ...]
#
# PAGES: the folder of the evaluation images (their OCR JSON where the
# config's OCRTokenLoad finds it). LEVERs default to "fp32 int8 rpn100
# rpn300 rpn1000", with bf16 after int8 where the CPU has native bfloat16;
# what follows -- goes to --cfg-options of every run
# (e.g. tokenizer=DIR). THREADS (default: all cores) torch threads;
# WORK_DIR (default work_dirs/cpu_inference_levers) keeps the logs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
[ $# -ge 3 ] || { sed -n '2,22p' "$0" >&2; exit 2; }
CONFIG=$1 CHECKPOINT=$2 PAGES=$3
shift 3
LEVERS=() OPTIONS=()
while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; OPTIONS=("$@"); break; fi
    LEVERS+=("$1"); shift
done
if [ ${#LEVERS[@]} -eq 0 ]; then
    LEVERS=(fp32 int8)
    $PY -c 'import sys; from mmlayout.utils import cpu_has_native_bf16;
sys.exit(not cpu_has_native_bf16())' 2>/dev/null && LEVERS+=(bf16)
    LEVERS+=(rpn100 rpn300 rpn1000)
fi
WORK="${WORK_DIR:-work_dirs/cpu_inference_levers}"
THREADS="${THREADS:-$(nproc)}"
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
mkdir -p "$WORK"
say() { printf '\033[1m[levers]\033[0m %s\n' "$*" >&2; }

rows=()
for lever in "${LEVERS[@]}"; do
    flags=() test_flags=() options=("${OPTIONS[@]}")
    case $lever in
        fp32) ;;
        int8) flags=(--int8) test_flags=(--int8) ;;
        bf16) flags=(--dtype bf16) test_flags=(--amp) ;;
        rpn[0-9]*) options+=("model.test_cfg.rpn.max_per_img=${lever#rpn}") ;;
        *) echo "unknown lever $lever (fp32, int8, bf16, rpnN)" >&2; exit 2 ;;
    esac
    cfg_options=()
    [ ${#options[@]} -gt 0 ] && cfg_options=(--cfg-options "${options[@]}")
    say "$lever: speed"
    $PY tools/analysis_tools/benchmark.py "$CONFIG" --checkpoint "$CHECKPOINT" \
        --device cpu --pages "$PAGES" --warmup 2 "${flags[@]}" \
        "${cfg_options[@]}" >"$WORK/$lever.speed.log" 2>&1
    speed=$(grep -o 'ms/page median [0-9.]*, mean [0-9.]*' \
        "$WORK/$lever.speed.log" | head -1)
    say "$lever: accuracy"
    $PY tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK/$lever" \
        "${test_flags[@]}" "${cfg_options[@]}" >"$WORK/$lever.test.log" 2>&1
    mean_ap=$(grep -o 'coco/bbox_mAP: [0-9.]*' "$WORK/$lever.test.log" |
        tail -1 | cut -d' ' -f2)
    rows+=("$lever|$speed|$mean_ap")
done
grep -m1 '^CPU:' "$WORK/${LEVERS[0]}.speed.log"
printf '%-10s %-36s %s\n' lever 'ms/page (median, mean)' 'bbox mAP'
for row in "${rows[@]}"; do
    IFS='|' read -r lever speed mean_ap <<<"$row"
    printf '%-10s %-36s %s\n' "$lever" "${speed#ms/page }" "$mean_ap"
done
