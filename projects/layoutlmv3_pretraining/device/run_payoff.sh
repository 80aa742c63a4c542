#!/usr/bin/env bash
# The pre-training payoff in one call on a bare GPU machine (made for a
# 10-minute device call; the kit from prepare.sh carried along):
#  0. stack: the kit's wheels into /tmp/site, mmcv's ops routed to
#     torchvision (checked against the saved outputs of a real mmcv build),
#     the kit's fonts and tokenizer
#  1. pages rendered with the seeds of pretrain_synth.sh; CUDA tests in the
#     background; a 4-iteration detector run as a smoke test beside
#  2. pre-training (pretrain_synth.sh, a GPU batch), under a time limit
#  3. the detector twins from scratch (started with the pre-training) and
#     from the checkpoints of FRACTIONS of ITERS, side by side
# Figures and logs go to $OUT (default /tmp/gpu_payoff_out): progress.txt,
# env.txt, detect_summary.txt, logs.tar.gz (refreshed every 20 s, so that a
# killed call still brings them back), fp16 copies of the half and full
# pre-training checkpoints.
#
#   KIT=device_kit bash projects/layoutlmv3_pretraining/device/run_payoff.sh
#
# ITERS (1000) BATCH (64) WORKERS (12) PAGES (1500 unlabelled pages of each
# kind) FRACTIONS ("0 0.5 1") PRE_TIMEOUT (270 s) FT_TIMEOUT (230 s);
# FT_OPTIONS: more --cfg-options for the detectors; SKIP_SETUP=1 when the
# stack is already there; CUDA_TESTS=0 skips the tests.
set -u
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 TQDM_MININTERVAL=10
START_TS=$(date +%s)
OUT="${OUT:-/tmp/gpu_payoff_out}"; mkdir -p "$OUT"
KIT="${KIT:-device_kit}"
HERE=projects/layoutlmv3_pretraining/device
PY="${PY:-python3}"
ITERS="${ITERS:-1000}"; BATCH="${BATCH:-64}"; WORKERS="${WORKERS:-12}"
PRE_TIMEOUT="${PRE_TIMEOUT:-270}"; FT_TIMEOUT="${FT_TIMEOUT:-230}"
FRACTIONS="${FRACTIONS:-0 0.5 1}"
PAGES="${PAGES:-1500}"
W=work_dirs/gpu_payoff
mkdir -p "$W"
t() { echo "[$(( $(date +%s) - START_TS ))s] $*" | tee -a "$OUT/progress.txt"; }
snapshot() {  # logs so far -> $OUT/logs.tar.gz (comes back even on a kill)
    tar czf "$OUT/logs.tmp.tgz" --exclude='*.pth' --exclude='*.pkl' \
        --exclude='vis_data/*.png' "$W" 2>/dev/null
    mv "$OUT/logs.tmp.tgz" "$OUT/logs.tar.gz"
}
(while sleep 20; do snapshot; done) &
SNAP=$!
trap 'kill $SNAP 2>/dev/null' EXIT

if [ "${SKIP_SETUP:-0}" != 1 ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site "$KIT"/wheels/*.whl || { t "pip failed"; exit 1; }
    cp "$KIT/mmcv_ext_torchvision.py" /tmp/site/mmcv/_ext.py
    export PYTHONPATH="/tmp/site:$PWD"
    mkdir -p /usr/share/fonts/truetype/kit && cp "$KIT"/fonts/* /usr/share/fonts/truetype/kit/
    mkdir -p data/synth_text_decided
    [ -f data/synth_text_decided/tokenizer/tokenizer.json ] || \
        cp -r "$KIT/tokenizer" data/synth_text_decided/tokenizer
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/env.txt" 2>&1
lscpu | grep -E "Model name|^CPU\(s\)" >> "$OUT/env.txt"
if ! $PY "$HERE/check_routed_ops.py" check "$KIT/mmcv_ops_reference.pt" >> "$OUT/env.txt" 2>&1; then
    t "the routed mmcv ops differ from mmcv's: stopping"; cat "$OUT/env.txt"; exit 2
fi
t "setup done"; cat "$OUT/env.txt"

render() {  # out seed pages [--text-decided]
    [ -f "$1/annotations.json" ] && return
    $PY data_tools/synth_docs.py --out "$1" --seed "$2" --num-pages "$3" \
        --lang mix --workers "$(( $(nproc) / 3 > 0 ? $(nproc) / 3 : 1 ))" "${@:4}" 2>&1 | tr '\r' '\n' | grep -v "%|"
}
renders=()
render data/synth_text_decided/train 0 400 --text-decided & renders+=($!)
render data/synth_text_decided/val 1 60 --text-decided & renders+=($!)
render data/synth_ordinary_val/val 1 60 & renders+=($!)
render data/synth_pretrain/decided 100 "$PAGES" --text-decided & renders+=($!)
render data/synth_pretrain/ordinary 101 "$PAGES" & renders+=($!)
for p in "${renders[@]}"; do wait "$p"; done
t "pages rendered: $(find data/synth_pretrain -name "*.jpg" | wc -l) pre-training pages"

if [ "${CUDA_TESTS:-1}" = 1 ]; then
    (timeout 240 $PY -m pytest -q -x -p no:cacheprovider -k cuda -rs \
        tests/test_models/test_layers/test_flex_attention_bias.py \
        tests/test_models/test_plugins/test_text_box_fusion.py \
        tests/test_models/test_ops/test_row_span_sum.py \
        tests/test_utils/test_runtime.py > "$W/cuda_tests.log" 2>&1;
     echo "rc=$?" >> "$W/cuda_tests.log") &
    TESTS=$!
fi

finetune() {  # fraction: the text-aware/image-only pair in the background
    local iter ckpt start
    iter=$($PY -c "print(round($1 * $ITERS))")
    ckpt="$W/pretrain/iter_$iter.pth"
    if [ "$iter" = 0 ]; then start=(START=scratch)
    elif [ -f "$ckpt" ]; then start=(START=pretrained PRETRAINED="$ckpt")
    else t "no $ckpt: skipping fraction $1"; return; fi
    env "${start[@]}" PYTHON=$PY PARALLEL=1 WORK_DIR="$W/detect_iter_$iter" \
        MODEL_OPTIONS="model.backbone.rel_pos_bias=False model.backbone.spatial_bias=False ${FT_OPTIONS:-}" \
        timeout "$FT_TIMEOUT" bash projects/text_vs_image/text_vs_image_synth.sh \
        > "$W/detect_iter_$iter.out" 2>&1 &
    pids+=($!)
}
pids=()
for fraction in $FRACTIONS; do [ "$fraction" = 0 ] && finetune 0; done

# fail fast: the detector path (mmdet on this Python/torch, the routed ops)
# for 4 iterations and 4 val pages, beside the pre-training
(if $PY tools/train.py projects/text_vs_image/configs/layoutmm-tiny_cascade_synth-text-decided.py \
    --work-dir "$W/smoke" --cfg-options tokenizer=data/synth_text_decided/tokenizer \
    train_cfg.max_iters=4 train_cfg.val_interval=4 val_dataloader.dataset.indices=4 \
    default_hooks.checkpoint.interval=4 > "$W/smoke.out" 2>&1
 then echo ok; else echo failed; fi > "$W/smoke.status"; t "detector smoke: $(cat "$W/smoke.status")") &
t "pre-training $ITERS iterations of $BATCH pages"
PYTHON=$PY ITERS=$ITERS FRACTIONS="" WORK_DIR=$W \
    PRETRAIN_OPTIONS="train_dataloader.batch_size=$BATCH train_dataloader.num_workers=$WORKERS val_dataloader.num_workers=4 default_hooks.logger.interval=50" \
    timeout "$PRE_TIMEOUT" bash projects/layoutlmv3_pretraining/pretrain_synth.sh \
    > "$W/pretrain.out" 2>&1 &
PRE=$!
while kill -0 $PRE 2>/dev/null; do
    sleep 2
    if [ "$(cat "$W/smoke.status" 2>/dev/null)" = failed ]; then
        t "detector smoke FAILED: stopping"; tail -40 "$W/smoke.out"
        pkill -f tools/train.py; kill $SNAP; snapshot; exit 3
    fi
done
wait $PRE
t "pre-training ended rc=$?; checkpoints: $(ls $W/pretrain/*.pth 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"
grep -E "Iter\(val\)|Iter\(train\).*(${ITERS}|$((ITERS/2)))/" "$W/pretrain.out" | tail -6 | cut -c1-400

for iter in $((ITERS / 2)) $ITERS; do  # fp16 weights back for CPU follow-ups
    [ -f "$W/pretrain/iter_$iter.pth" ] || continue
    $PY "$HERE/to_fp16.py" "$W/pretrain/iter_$iter.pth" "$OUT/pretrained_iter_${iter}_fp16.pth"
done
for fraction in $FRACTIONS; do [ "$fraction" = 0 ] || finetune "$fraction"; done
t "fine-tuning ${#pids[@]} pairs"
for p in "${pids[@]}"; do wait "$p"; done
t "fine-tuning done"
for f in "$W"/detect_iter_*.out; do
    echo "== $f"; grep -a -v -i "warn\|pkg_resources\|_bootstrap" "$f" | grep -a -A15 "m text-decided pages$\|m ordinary pages$"
done | tee "$OUT/detect_summary.txt"
[ -n "${TESTS:-}" ] && { wait "$TESTS"; tail -5 "$W/cuda_tests.log"; }
kill $SNAP 2>/dev/null; snapshot; t "all done"
