# The text-decided synthetic pages (400 train, 60 val; synth_docs.py
# --text-decided, rendered by text_vs_image_synth.sh): Text/Reference,
# Title/one-line Text, Figure/Table and their captions look the same and
# only the words decide. With their OCR text and a tokenizer built from the
# training pages; the text-aware pipelines at the demo's scales
# (synth_cdla.py; image-only configs take `train_pipeline` and
# `test_pipeline`); seed 0.
_base_ = '../../../../configs/_base_/datasets/synth_cdla.py'

data_root = 'data/synth_text_decided/'
tokenizer = data_root + 'tokenizer'
ocr_root = '{img_dir}/../ocr'  # synth_docs.py: <split>/images, <split>/ocr
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=_base_.text_train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=_base_.text_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)
