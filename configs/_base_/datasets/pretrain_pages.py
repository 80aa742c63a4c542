# Unlabelled pages for LayoutLMv3 pre-training: page images with their OCR
# JSON (pdf2pages.py, ocr_images.py or synth_docs.py output), read through
# the detection text path (OCRTokenLoad -> PackLayoutInputs ->
# LayoutDataPreprocessor) with the masks of PretrainMasking drawn afresh
# each time a page is seen. The paper's 224 x 224 pages by default; concrete
# configs set `pretrain_roots` (folders holding images/ and ocr/), the
# top-level `tokenizer`, and may change `image_size`.
backend_args = None
image_size = (224, 224)
max_tokens = 512


def page_pipeline(fixed_masks):
    return [
        dict(type='LoadImageFromFile', backend_args=backend_args),
        dict(type='OCRTokenLoad', tokenizer=None, ocr_root=None,
             max_tokens=max_tokens),
        dict(type='Resize', scale=image_size, keep_ratio=False),
        dict(type='PretrainMasking', fixed=fixed_masks),
        dict(type='PackLayoutInputs',
             meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                        'scale_factor'))
    ]


train_pipeline = page_pipeline(fixed_masks=False)
# held-out pages get the same masks at every evaluation
val_pipeline = page_pipeline(fixed_masks=True)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=[]))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PageFolderDataset', pipeline=val_pipeline))
val_evaluator = dict(type='PretrainMetric')
