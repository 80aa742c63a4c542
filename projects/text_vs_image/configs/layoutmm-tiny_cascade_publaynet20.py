# Can the tiny text-aware model learn real pages? It is trained on the 20
# real PubLayNet sample pages (OCR'd with RapidOCR) and tested on the same
# pages: a fitting test (goal: bbox mAP >= 0.8), not a benchmark.
#   bash projects/text_vs_image/fit_publaynet_samples.sh PUBLAYNET_SAMPLES_DIR
_base_ = [
    '../../../configs/_base_/models/layoutmm-tiny_cascade.py',
    './_base_/publaynet20.py',
]

model = dict(roi_head=dict(bbox_head=[
    dict(head, num_classes=5) for head in _base_.model.roi_head.bbox_head
]))
