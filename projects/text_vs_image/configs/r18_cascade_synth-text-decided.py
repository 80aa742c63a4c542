# The CNN baseline (ResNet-18 Cascade R-CNN from scratch, image only;
# configs/demo/r18_cascade_synth.py) on the text-decided synthetic pages,
# same seed, scales and schedule as the tiny LayoutLMv3 pair: the reference
# for what 400 CPU iterations can reach, and the image-only twin of
# r18-text_cascade_synth-text-decided.py.
#   MODEL=cnn bash projects/text_vs_image/text_vs_image_synth.sh
_base_ = [
    '../../../configs/_base_/models/r18_cascade.py',
    './_base_/synth-text-decided.py',
    '../../../configs/_base_/schedules/cpu_400iter.py',
]

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
