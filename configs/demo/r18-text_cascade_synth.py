# The CNN baseline made text-aware, for the synthetic pages on a CPU: its
# ResNet-18 gives the maps, the tiny LayoutLMv3MM (from scratch) reads the
# page's image and words and gives the text states, and TextBoxFusion adds
# them into the ResNet's stride-4 to 32 maps before the FPN
# (_base_/models/r18-text_cascade.py). Its image-only twin is the CNN
# baseline, r18_cascade_synth.py (same scales and schedule). Unlike the tiny
# LayoutLMv3 alone, it learns within a CPU schedule
# (projects/text_vs_image).
#   MODEL=cnn bash tools/quickstart.sh
_base_ = [
    '../_base_/models/r18-text_cascade.py',
    '../_base_/datasets/synth_cdla_text.py',
    '../_base_/schedules/cpu_400iter.py',
]
