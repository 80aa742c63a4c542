# Text-aware LayoutLMv3 Cascade R-CNN. LayoutLMv3MM reads the page image and
# its OCR text (tokens + line boxes); TextBoxFusion adds the text states of
# blocks 3, 5, 7, 11 into the visual maps under their boxes (through a gate
# that starts at zero); SimpleFeaturePyramid turns the four stride-16 maps
# into strides 4..64; mmdet's Cascade R-CNN heads find the regions (anchors
# 32..512 on P2..P6, ratios 0.5/1/2, class-agnostic regression, 2-FC box
# heads). Pixel mean = std = 127.5 as in LayoutLMv3. Images are padded to
# multiples of 32; every page is encoded in its own frame (valid shapes).
_base_ = 'mmdet::_base_/models/cascade-rcnn_r50_fpn.py'

model = dict(
    type='LayoutCascadeRCNN',
    data_preprocessor=dict(
        type='LayoutDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='LayoutLMv3MM',
        arch='base',
        pretrained='microsoft/layoutlmv3-base',
        out_indices=(3, 5, 7, 11),
        rel_pos_bias=True,
        spatial_bias=True,
        drop_path_rate=0.1,
        with_cp=True),
    fusion=dict(type='TextBoxFusion', text_channels=768, map_channels=768),
    neck=dict(
        _delete_=True,
        type='SimpleFeaturePyramid',
        in_channels=768,
        out_channels=256,
        num_outs=5),
    # CDLA's ten classes by default (PubLayNet configs override the heads);
    # class-agnostic regression and 2-FC heads as in mmdet's Cascade R-CNN.
    roi_head=dict(bbox_head=[
        dict(
            type='Shared2FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=10,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=stage_stds),
            reg_class_agnostic=True,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stage_stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                           [0.033, 0.033, 0.067, 0.067])
    ]))
