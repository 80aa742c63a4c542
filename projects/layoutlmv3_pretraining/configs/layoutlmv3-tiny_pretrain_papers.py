# The tiny pre-training on real unlabelled pages: whole papers rendered with
# their text layer (data_tools/pdf2pages.py), the papers of the evaluation
# pages left out; held out: the labelled evaluation pages themselves.
# pretrain_real_pages.sh prepares data/real_pages/ (papers/, labelled/,
# the tokenizer) and passes `exclude` (the labelled training pages) for the
# held-out set. As the synthetic-page config (its comment): aspect kept at
# short side 256 and the attention biases off, for CPU time.
#   bash projects/layoutlmv3_pretraining/pretrain_real_pages.sh \
#       LABELLED_DIR PDF_DIR
_base_ = './layoutlmv3-tiny_pretrain_synth-text-decided.py'

data_root = 'data/real_pages/'
tokenizer = data_root + 'tokenizer'
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='ConcatDataset',
    datasets=[
        dict(type='PageFolderDataset', data_root=data_root + 'papers/',
             data_prefix=dict(img='images/'),
             pipeline=_base_.train_pipeline)
    ]))
val_dataloader = dict(dataset=dict(
    data_root=data_root + 'labelled/', data_prefix=dict(img='images/'),
    exclude=data_root + 'labelled/train_stems.txt'))
