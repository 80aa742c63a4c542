# Text-aware LayoutLMv3 Cascade R-CNN on CDLA (Chinese papers, 10 classes).
#
#   python data_tools/cdla2coco.py data/CDLA_DATASET --splits train val
#   python data_tools/ocr_images.py data/CDLA_DATASET/train \
#       --out data/CDLA_DATASET/ocr --lang ch
#   python data_tools/ocr_images.py data/CDLA_DATASET/val \
#       --out data/CDLA_DATASET/ocr --lang ch
#   bash tools/dist_train.sh configs/layoutmm_cascade_cdla.py 4
#
# `weights` and `tokenizer` name microsoft/layoutlmv3-base-chinese: a hub
# name where the hub is reachable, else the path of a local copy (a Hugging
# Face directory). The published recipe scaled to 4 GPUs x 2 images: lr
# 2e-4 * 8 / 32; 60k iterations (96 epochs of CDLA), AMP, checkpointing.
_base_ = [
    './_base_/models/layoutmm_cascade.py',
    './_base_/datasets/cdla.py',
    './_base_/schedules/layoutmm_detection.py',
]

weights = 'microsoft/layoutlmv3-base-chinese'
tokenizer = weights  # copied into every OCRTokenLoad by the tools
data_root = 'data/CDLA_DATASET/'
ocr_root = data_root + 'ocr/'  # OCR JSON of train and val pages

model = dict(backbone=dict(arch='base-chinese', pretrained=weights))

train_dataloader = dict(dataset=dict(
    pipeline={{_base_.text_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.text_test_pipeline}}))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=2e-4 * 8 / 32))
