# Text-aware LayoutLMv3 Cascade R-CNN on PubLayNet (English articles,
# 5 classes: text, title, list, table, figure).
#
#   python data_tools/ocr_images.py data/publaynet/train \
#       --out data/publaynet/ocr --lang en
#   python data_tools/ocr_images.py data/publaynet/val \
#       --out data/publaynet/ocr --lang en
#   bash tools/dist_train.sh configs/layoutmm_cascade_publaynet.py 8
#
# `weights` and `tokenizer`: microsoft/layoutlmv3-base (hub name or local
# copy). lr 2e-4 is the published one for 16 GPUs x 2 images: scale it
# linearly with your batch size.
_base_ = [
    './_base_/models/layoutmm_cascade.py',
    './_base_/datasets/publaynet.py',
    './_base_/schedules/layoutmm_detection.py',
]

weights = 'microsoft/layoutlmv3-base'
tokenizer = weights  # copied into every OCRTokenLoad by the tools
data_root = 'data/publaynet/'
ocr_root = data_root + 'ocr/'  # OCR JSON of train and val pages

# PubLayNet's five classes in every cascade stage
model = dict(
    backbone=dict(arch='base', pretrained=weights),
    roi_head=dict(bbox_head=[
        dict(head, num_classes=5) for head in _base_.model.roi_head.bbox_head
    ]))

train_dataloader = dict(dataset=dict(
    pipeline={{_base_.text_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.text_test_pipeline}}))
test_dataloader = val_dataloader
