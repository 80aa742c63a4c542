# The CNN baseline made text-aware (configs/demo/r18-text_cascade_synth.py):
# its ResNet-18 gives the maps, a tiny LayoutLMv3MM (from scratch) reads the
# page's image and words and gives the text states, and TextBoxFusion adds
# them into the ResNet's stride-4 to 32 maps under the words' boxes, before
# the FPN. Same pages, seed, scales and schedule as its image-only twin,
# r18_cascade_synth-text-decided.py: whether the words help a detector
# whose image backbone does learn in 400 CPU iterations (the tiny ViT alone
# does not, see README.md).
#   MODEL=cnn bash projects/text_vs_image/text_vs_image_synth.sh
_base_ = [
    '../../../configs/_base_/models/r18-text_cascade.py',
    './_base_/synth-text-decided.py',
    '../../../configs/_base_/schedules/cpu_400iter.py',
]
