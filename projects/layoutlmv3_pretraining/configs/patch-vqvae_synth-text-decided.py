# The image tokenizer of the text-decided pre-training: configs/pretrain/
# patch-vqvae_synth.py (1024 codes of 32 channels, 2000 iterations of 16
# pages) on the pre-training corpus of
# layoutlmv3-tiny_pretrain_synth-text-decided.py, at its scale (short side
# 256, aspect kept), so that the codes describe the patches the pre-trainer
# masks. Its checkpoint is the MIM target of
# layoutlmv3-tiny_pretrain_synth-text-decided_mim-vq.py.
#   CFG=projects/layoutlmv3_pretraining/configs
#   python tools/train.py $CFG/patch-vqvae_synth-text-decided.py \
#       --work-dir work_dirs/patch-vqvae_synth-text-decided
_base_ = '../../../configs/pretrain/patch-vqvae_synth.py'

data_root = 'data/synth_text_decided/'
pretrain_roots = [
    data_root + 'train/', 'data/synth_pretrain/decided/',
    'data/synth_pretrain/ordinary/'
]
pipeline = [
    dict(type='Resize', scale=(1333, 256), keep_ratio=True)
    if step['type'] == 'Resize' else step for step in _base_.pipeline
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='PageFolderDataset', data_root=root,
                 data_prefix=dict(img='images/'), pipeline=pipeline)
            for root in pretrain_roots
        ]))
val_dataloader = dict(
    dataset=dict(data_root=data_root + 'val/', pipeline=pipeline))
