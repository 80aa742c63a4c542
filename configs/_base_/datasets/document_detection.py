# Document pages, the LayoutLMv3 detection recipe: training short side drawn
# from 480..800 (step 32), long side <= 1333; test at 800/1333; no flip.
# Concrete dataset configs override the dataset type, data root and files.
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, short) for short in range(480, 801, 32)],
         keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
# Text-aware models read each page's OCR JSON (OCRTokenLoad) and pack the
# text with the image (PackLayoutInputs); a text-aware config selects these
# with `pipeline={{_base_.text_train_pipeline}}` and sets the top-level keys
# `tokenizer` and `ocr_root`, which the tools copy into every OCRTokenLoad.
text_train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='OCRTokenLoad', tokenizer=None, ocr_root=None),
    dict(type='RandomChoiceResize',
         scales=[(1333, short) for short in range(480, 801, 32)],
         keep_ratio=True),
    dict(type='PackLayoutInputs')
]
text_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='OCRTokenLoad', tokenizer=None, ocr_root=None),
    dict(type='PackLayoutInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        test_mode=True, pipeline=test_pipeline, backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoMetric', metric='bbox', classwise=True, format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
