# The synthetic pages of synth_cdla.py with their text, for text-aware
# models: the OCR JSON that synth_docs.py writes beside each split's images
# (<split>/images, <split>/ocr), a tokenizer built from the training pages'
# text (tools/quickstart.sh builds it:
#   python data_tools/build_tokenizer.py data/synth_cdla/train/ocr \
#       --out data/synth_cdla/tokenizer --kind unigram --vocab-size 8000)
# and the text-aware pipelines at the same scales.
_base_ = './synth_cdla.py'

tokenizer = _base_.data_root + 'tokenizer'
ocr_root = '{img_dir}/../ocr'
train_dataloader = dict(dataset=dict(pipeline=_base_.text_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.text_test_pipeline))
test_dataloader = val_dataloader
