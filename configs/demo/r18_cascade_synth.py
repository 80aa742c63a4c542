# The CNN baseline: stock mmdet Cascade R-CNN, ResNet-18 from scratch, trained
# on synthetic CDLA-style pages on CPU (400 iterations, ~20 minutes on 2 cores)
# (BASELINE=1 bash tools/quickstart.sh). The text-aware models are compared
# against it; it is the image-only twin of r18-text_cascade_synth.py.
#   python tools/train.py configs/demo/r18_cascade_synth.py
_base_ = [
    '../_base_/models/r18_cascade.py',
    '../_base_/datasets/synth_cdla.py',
    '../_base_/schedules/cpu_400iter.py',
]
