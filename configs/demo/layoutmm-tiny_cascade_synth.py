# A tiny text-aware LayoutLMv3 Cascade R-CNN, trained from scratch on the
# synthetic pages on a CPU: a 4-block, 256-channel LayoutLMv3MM (vocabulary
# of a tokenizer built from the training pages), TextBoxFusion and
# SimpleFeaturePyramid with the CNN baseline's light heads
# (_base_/models/layoutmm-tiny_cascade.py), at the CNN baseline's scales and
# schedule (short side 320-416, test 384; 400 iterations), so that the two
# compare like for like and a CPU step stays short.
#
#   python data_tools/synth_docs.py --out data/synth_cdla/train --seed 0 ...
#   python data_tools/build_tokenizer.py data/synth_cdla/train/ocr \
#       --out data/synth_cdla/tokenizer --kind unigram --vocab-size 8000
#   python tools/train.py configs/demo/layoutmm-tiny_cascade_synth.py
_base_ = [
    '../_base_/models/layoutmm-tiny_cascade.py',
    '../_base_/datasets/synth_cdla_text.py',
    '../_base_/schedules/cpu_400iter.py',
]
