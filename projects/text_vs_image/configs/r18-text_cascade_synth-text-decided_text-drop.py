# The text-aware ResNet-18 of r18-text_cascade_synth-text-decided.py trained
# with a quarter of its pages' text dropped (RandomTextDrop after
# OCRTokenLoad), same seed and schedule: does it keep an image path that
# works on pages it gets without text, and what does that cost on pages
# with text?
#   bash projects/text_vs_image/text_drop_synth.sh
_base_ = './r18-text_cascade_synth-text-decided.py'

text_drop_pipeline = [
    step for transform in _base_.train_dataloader.dataset.pipeline
    for step in ([transform, dict(type='RandomTextDrop', prob=0.25)]
                 if transform['type'] == 'OCRTokenLoad' else [transform])
]
train_dataloader = dict(dataset=dict(pipeline=text_drop_pipeline))
