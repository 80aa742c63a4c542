# Cascade Mask R-CNN (the head of the published LayoutLMv3 detector): the
# text-aware Cascade R-CNN plus a mask branch trained on CDLA's polygons;
# COCO bbox and segm metrics.
_base_ = './layoutmm_cascade_cdla.py'

model = dict(
    roi_head=dict(
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(
            type='FCNMaskHead',
            num_convs=4,
            in_channels=256,
            conv_out_channels=256,
            num_classes=10,
            loss_mask=dict(
                type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    train_cfg=dict(rcnn=[
        dict(
            assigner=dict(
                type='MaxIoUAssigner', pos_iou_thr=iou, neg_iou_thr=iou,
                min_pos_iou=iou, match_low_quality=False, ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler', num=512, pos_fraction=0.25,
                neg_pos_ub=-1, add_gt_as_proposals=True),
            mask_size=28,
            pos_weight=-1,
            debug=False) for iou in (0.5, 0.6, 0.7)
    ]),
    test_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))

# the text pipelines with masks loaded
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='OCRTokenLoad', tokenizer=None, ocr_root=None),
    dict(type='RandomChoiceResize',
         scales=[(1333, short) for short in range(480, 801, 32)],
         keep_ratio=True),
    dict(type='PackLayoutInputs')
]))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='OCRTokenLoad', tokenizer=None, ocr_root=None),
    dict(type='PackLayoutInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]))
test_dataloader = val_dataloader
val_evaluator = dict(metric=['bbox', 'segm'])
test_evaluator = val_evaluator
