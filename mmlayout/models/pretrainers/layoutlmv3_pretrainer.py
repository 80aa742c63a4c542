"""LayoutLMv3Pretrainer: masked language and image modelling plus
word-patch alignment, the three pre-training objectives of LayoutLMv3."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModel
from mmengine.model.weight_init import trunc_normal_
from mmengine.structures import BaseDataElement
from mmdet.structures import SampleList
from torch import Tensor

from ...structures import LayoutInputs, word_token_mask
from ...utils import get_tokenizer
from ..layers import PredictionHead
from ..utils import masked_box_share


@MODELS.register_module()
class LayoutLMv3Pretrainer(BaseModel):
    """Pre-train a :class:`LayoutLMv3MM` on unlabelled pages.

    The pages come through the detection data path
    (``OCRTokenLoad -> Resize -> PretrainMasking -> PackLayoutInputs ->
    LayoutDataPreprocessor``): the model gets the batch as a
    :class:`LayoutInputs` (images, valid shapes, text), and the masks
    :class:`PretrainMasking` drew for each page in its data sample. Three
    objectives:

    - **MLM**: of the masked text tokens, 80 % become ``<mask>``, 10 % a
      random token of the vocabulary (no special token), 10 % stay; they
      keep their boxes. The last block's states of the masked tokens
      predict the original tokens (cross-entropy). The head is RoBERTa's -
      ``dense -> GELU -> LayerNorm`` then a decoder tied to the word
      embedding table: a from-scratch model with a small vocabulary gets
      no second ``(V, C)`` table to learn, the embeddings are trained from
      both ends, and a RoBERTa LM head's weights fit it.
    - **MIM**: the masked patches' embeddings are replaced by a learnable
      ``mask_token`` before the position embedding (with a convolutional
      stem their pixels are zeroed first); the last block's states of the
      masked patches predict the target of ``mim_target`` (pluggable:
      normalised pixels by default).
    - **WPA**: every unmasked word token (not ``<s>``/``</s>``, not masked
      for MLM) is labelled *aligned* (1) when masked patches cover at most
      ``wpa_unaligned_share`` of its box's area, else *unaligned* (0)
      (:func:`masked_box_share`); a two-layer head predicts the label
      (binary cross-entropy). OCR boxes are whole lines: "any patch under
      the box masked" would make nearly every long line unaligned.

    Loss = ``mlm * loss_mlm + mim * loss_mim + wpa * loss_wpa`` (weights in
    ``loss_weights``), each the mean over its tokens in the batch; the
    accuracies of MLM and WPA are logged beside them.

    The backbone's state dict is saved under ``backbone.``, so
    ``LayoutLMv3MM(pretrained=<checkpoint>)`` loads it strictly, the heads
    and ``mask_token`` dropped by name.

    ``predict`` (validation) replaces every masked token by ``<mask>`` and
    returns per-page sums (losses, correct predictions, counts, and what
    the baselines need) for :class:`PretrainMetric`.

    Args:
        backbone (dict): A text-aware ``LayoutLMv3MM``; its last
            ``out_indices`` entry must be its last block.
        tokenizer (str): The tokenizer of the pipeline's ``OCRTokenLoad``
            (local directory or hub name); gives the ``<mask>`` id and the
            ids a random replacement may take. ``tools/train.py`` sets it
            from the config's ``tokenizer`` key.
        mim_target (dict): Target of masked image modelling. Defaults to
            ``dict(type='NormalizedPixelTarget')``.
        loss_weights (dict): Weights of ``mlm``, ``mim`` and ``wpa``.
            Defaults to 1 each.
        mlm_replace (tuple[float]): Shares of the masked tokens that become
            ``<mask>``, a random token, or stay. Defaults to
            ``(0.8, 0.1, 0.1)``.
        wpa_unaligned_share (float): A token is unaligned when masked
            patches cover more than this share of its box. Defaults to 0.5.
        data_preprocessor (dict, optional): A ``LayoutDataPreprocessor``.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 tokenizer: str,
                 mim_target: Dict = dict(  # noqa: B006
                     type='NormalizedPixelTarget'),
                 loss_weights: Dict = dict(mlm=1., mim=1., wpa=1.),  # noqa: B006
                 mlm_replace: tuple = (0.8, 0.1, 0.1),
                 wpa_unaligned_share: float = 0.5,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if not self.backbone.reads_text:
            raise ValueError('LayoutLMv3Pretrainer needs a text-aware '
                             'backbone: set image_only=False')
        arch = self.backbone.arch
        if self.backbone.out_indices[-1] != arch.num_layers - 1:
            raise ValueError(
                f'the backbone must run all {arch.num_layers} blocks: its '
                f'last out_indices entry must be {arch.num_layers - 1}, got '
                f'{self.backbone.out_indices}')
        unknown = set(loss_weights) - {'mlm', 'mim', 'wpa'}
        if unknown:
            raise KeyError(f'loss_weights has unknown objectives {unknown}; '
                           "known: 'mlm', 'mim', 'wpa'")
        if len(mlm_replace) != 3 or min(mlm_replace) < 0 or abs(
                sum(mlm_replace) - 1) > 1e-6:
            raise ValueError('mlm_replace must be three non-negative shares '
                             f'summing to 1, got {mlm_replace}')
        if not 0 <= wpa_unaligned_share < 1:
            raise ValueError('wpa_unaligned_share must be in [0, 1), got '
                             f'{wpa_unaligned_share}')
        self.loss_weights = dict(dict(mlm=1., mim=1., wpa=1.), **loss_weights)
        self.mlm_replace = tuple(mlm_replace)
        self.wpa_unaligned_share = wpa_unaligned_share
        self.tokenizer = tokenizer
        self._set_vocabulary(tokenizer, arch.vocab_size)

        channels, eps = arch.embed_dims, arch.layer_norm_eps
        self.mim_target = MODELS.build(mim_target)
        self.mask_token = nn.Parameter(torch.zeros(channels))
        self.mlm_head = PredictionHead(
            channels, arch.vocab_size, tied=True, layer_norm_eps=eps)
        self.mim_head = PredictionHead(
            channels, self.mim_target.out_channels, layer_norm_eps=eps)
        self.wpa_head = PredictionHead(channels, 1, layer_norm_eps=eps)

    def _set_vocabulary(self, tokenizer: str, vocab_size: int) -> None:
        """Read the ``<mask>`` id and the ids of ordinary tokens."""
        tok = get_tokenizer(tokenizer)
        if tok.mask_token_id is None:
            raise ValueError(f'tokenizer {tokenizer!r} has no mask token; '
                             'masked language modelling needs one')
        if len(tok) > vocab_size:
            raise ValueError(
                f'tokenizer {tokenizer!r} has {len(tok)} tokens but the '
                f'backbone\'s vocab_size is {vocab_size}: set arch_cfg '
                f'vocab_size >= {len(tok)}')
        self.mask_token_id = int(tok.mask_token_id)
        ordinary = torch.ones(len(tok), dtype=torch.bool)
        ordinary[list(tok.all_special_ids)] = False
        self.register_buffer(
            'random_token_ids', ordinary.nonzero()[:, 0], persistent=False)

    def init_weights(self) -> None:
        """Initialise the backbone (or load its ``pretrained``), the heads
        and the mask token."""
        super().init_weights()
        trunc_normal_(self.mask_token, std=.02)

    def _canvas_patch_mask(self, data_samples: SampleList,
                           valid_shapes: Tensor, grid: tuple) -> Tensor:
        """``(B, rows, cols)`` bool: each sample's ``mim_mask`` in the top
        left of the batch's patch grid."""
        patch = self.backbone.patch_size
        mask = torch.zeros((len(data_samples), ) + grid,
                           dtype=torch.bool,
                           device=valid_shapes.device)
        for index, sample in enumerate(data_samples):
            if 'mim_mask' not in sample:
                raise KeyError(
                    'data sample has no mim_mask: put PretrainMasking '
                    'before PackLayoutInputs in the pipeline')
            rows, cols = sample.mim_mask.shape
            valid_h, valid_w = valid_shapes[index].tolist()
            if (rows, cols) != (-(-valid_h // patch), -(-valid_w // patch)):
                raise ValueError(
                    f'{sample.metainfo.get("img_path", "a page")}: mim_mask '
                    f'is {rows}x{cols} patches but the page content of '
                    f'{valid_h}x{valid_w} pixels has '
                    f'{-(-valid_h // patch)}x{-(-valid_w // patch)}: is '
                    'there a transform between PretrainMasking and '
                    'PackLayoutInputs, or another patch_size?')
            mask[index, :rows, :cols] = sample.mim_mask.to(mask.device)
        return mask

    def _corrupt(self, input_ids: Tensor, mlm_mask: Tensor,
                 mask_only: bool) -> Tensor:
        """Replace the masked tokens: ``<mask>`` / random / kept (all
        ``<mask>`` with ``mask_only``)."""
        if mask_only:
            return input_ids.masked_fill(mlm_mask, self.mask_token_id)
        draw = torch.rand(input_ids.shape, device=input_ids.device)
        to_mask = mlm_mask & (draw < self.mlm_replace[0])
        to_random = mlm_mask & (draw >= self.mlm_replace[0]) & (
            draw < self.mlm_replace[0] + self.mlm_replace[1])
        candidates = self.random_token_ids
        random_ids = candidates[torch.randint(
            len(candidates), input_ids.shape, device=input_ids.device)]
        corrupted = torch.where(to_random, random_ids, input_ids)
        return corrupted.masked_fill(to_mask, self.mask_token_id)

    def _token_outputs(self, inputs: LayoutInputs, data_samples: SampleList,
                       mask_only: bool) -> Dict[str, Tensor]:
        """Per-token losses of the three objectives for a batch.

        Returns:
            dict[str, Tensor]: For each objective ``o`` in ``mlm``, ``mim``,
            ``wpa``: ``o_loss`` (per masked token / masked patch / labelled
            token), ``o_batch`` (the sample each belongs to); plus
            ``mlm_correct``, ``mlm_targets``, ``mim_baseline``,
            ``wpa_correct`` and ``wpa_labels``; ``mim_correct`` and
            ``mim_targets`` with a discrete MIM target.
        """
        if not isinstance(inputs, LayoutInputs) or not inputs.has_text:
            raise KeyError('the batch carries no text: pre-training needs '
                           'OCRTokenLoad and PackLayoutInputs in the '
                           'pipeline and LayoutDataPreprocessor')
        if any('mlm_mask' not in s.text for s in data_samples):
            raise KeyError('the text of the data samples has no mlm_mask: '
                           'put PretrainMasking before PackLayoutInputs')
        images, input_ids, bboxes = (inputs.images, inputs.input_ids,
                                     inputs.bboxes)
        valid_shapes = inputs.valid_shapes
        words = word_token_mask(inputs.attention_mask)
        mlm_mask = torch.stack([s.text.mlm_mask for s in data_samples
                                ]).bool() & words
        patch = self.backbone.patch_size
        grid = (images.shape[2] // patch, images.shape[3] // patch)
        patch_mask = self._canvas_patch_mask(data_samples, valid_shapes, grid)

        output = self.backbone(
            images,
            self._corrupt(input_ids, mlm_mask, mask_only),
            bboxes,
            inputs.attention_mask,
            valid_shapes,
            patch_mask=patch_mask,
            mask_token=self.mask_token)
        text_states = output.text_states[-1]
        patch_states = output[-1].flatten(2).transpose(1, 2)
        batch_index = torch.arange(
            len(data_samples), device=images.device)[:, None]

        results = {}
        mlm_targets = input_ids[mlm_mask]
        mlm_logits = self.mlm_head(
            text_states[mlm_mask],
            weight=self.backbone.text_embed.word_embed.weight)
        results.update(
            mlm_loss=F.cross_entropy(
                mlm_logits.float(), mlm_targets, reduction='none'),
            mlm_correct=mlm_logits.argmax(-1) == mlm_targets,
            mlm_targets=mlm_targets,
            mlm_batch=batch_index.expand_as(mlm_mask)[mlm_mask])

        mim_targets = self.mim_target(images, patch_mask)
        mim_preds = self.mim_head(patch_states[patch_mask.flatten(1)])
        results.update(
            mim_loss=self.mim_target.per_patch_loss(mim_preds, mim_targets),
            mim_baseline=self.mim_target.baseline_loss(mim_targets),
            mim_batch=batch_index.expand(-1, patch_mask[0].numel())[
                patch_mask.flatten(1)])
        if hasattr(self.mim_target, 'per_patch_correct'):  # discrete codes
            results.update(
                mim_correct=self.mim_target.per_patch_correct(
                    mim_preds, mim_targets),
                mim_targets=mim_targets)

        labelled = words & ~mlm_mask
        share = masked_box_share(bboxes, patch_mask, valid_shapes, patch)
        wpa_labels = (share[labelled] <= self.wpa_unaligned_share).float()
        wpa_logits = self.wpa_head(text_states[labelled])[:, 0].float()
        results.update(
            wpa_loss=F.binary_cross_entropy_with_logits(
                wpa_logits, wpa_labels, reduction='none'),
            wpa_correct=(wpa_logits > 0) == wpa_labels.bool(),
            wpa_labels=wpa_labels,
            wpa_batch=batch_index.expand_as(labelled)[labelled])
        return results

    def loss(self, inputs: LayoutInputs,
             data_samples: SampleList) -> Dict[str, Tensor]:
        """The weighted losses and the accuracies of a training batch.

        Args:
            inputs (LayoutInputs): Images and text of the batch.
            data_samples (list[DetDataSample]): With padded ``text``
                (``mlm_mask`` included) and ``mim_mask``.

        Returns:
            dict[str, Tensor]: ``loss_mlm``, ``loss_mim``, ``loss_wpa``
            (weighted; means over their tokens), ``acc_mlm``, ``acc_wpa``
            (%), ``acc_mim`` with a discrete MIM target, and
            ``wpa_aligned`` (% of the WPA labels that are *aligned*: the
            label balance).
        """
        out = self._token_outputs(inputs, data_samples, mask_only=False)
        losses = {}
        for name in ('mlm', 'mim', 'wpa'):
            per_token = out[f'{name}_loss']
            # no token: a zero loss that still reaches every parameter
            mean = (per_token.mean() if per_token.numel() else
                    sum(p.sum() * 0 for p in self.parameters()
                        if p.requires_grad))
            losses[f'loss_{name}'] = self.loss_weights[name] * mean
        for name in ('mlm', 'mim', 'wpa'):
            if f'{name}_correct' not in out:
                continue
            correct = out[f'{name}_correct'].float()
            losses[f'acc_{name}'] = 100 * (
                correct.mean() if correct.numel() else correct.sum())
        labels = out['wpa_labels']
        losses['wpa_aligned'] = 100 * (
            labels.mean() if labels.numel() else labels.sum())
        return losses

    def predict(self, inputs: LayoutInputs,
                data_samples: SampleList) -> List[BaseDataElement]:
        """Per-page sums for :class:`PretrainMetric` (every masked token
        replaced by ``<mask>``).

        Returns:
            list[BaseDataElement]: One per page with ``img_path`` and, for
            each objective, the summed loss and the count of its tokens;
            ``mlm_correct`` and ``mlm_targets`` (the masked token ids);
            ``mim_baseline`` (summed loss of the mean-pixel predictor);
            ``wpa_correct`` and ``wpa_aligned`` (labels that are aligned);
            ``mim_correct`` and ``mim_targets`` with a discrete MIM target.
        """
        out = self._token_outputs(inputs, data_samples, mask_only=True)
        num = len(data_samples)

        def per_page(values: Tensor, batch: Tensor) -> List[float]:
            sums = values.new_zeros(num, dtype=torch.float64)
            return sums.index_add_(0, batch, values.double()).tolist()

        columns = {}
        for name in ('mlm', 'mim', 'wpa'):
            batch = out[f'{name}_batch']
            columns[f'{name}_loss'] = per_page(out[f'{name}_loss'], batch)
            columns[f'{name}_count'] = per_page(
                torch.ones_like(out[f'{name}_loss']), batch)
        columns['mlm_correct'] = per_page(out['mlm_correct'],
                                          out['mlm_batch'])
        columns['mim_baseline'] = per_page(out['mim_baseline'],
                                           out['mim_batch'])
        columns['wpa_correct'] = per_page(out['wpa_correct'],
                                          out['wpa_batch'])
        columns['wpa_aligned'] = per_page(out['wpa_labels'],
                                          out['wpa_batch'])
        ids = {'mlm_targets': (out['mlm_targets'].cpu(),
                               out['mlm_batch'].cpu())}
        if 'mim_correct' in out:
            columns['mim_correct'] = per_page(out['mim_correct'],
                                              out['mim_batch'])
            ids['mim_targets'] = (out['mim_targets'].cpu(),
                                  out['mim_batch'].cpu())
        pages = []
        for index, sample in enumerate(data_samples):
            page = BaseDataElement(img_path=sample.metainfo.get('img_path'))
            for key, values in columns.items():
                page.set_field(values[index], key)
            for key, (values, batch) in ids.items():
                page.set_field(values[batch == index], key)
            pages.append(page)
        return pages

    def _forward(self,
                 inputs: LayoutInputs,
                 data_samples: Optional[SampleList] = None) -> Tensor:
        """The backbone's last visual map ``(B, C, H / 16, W / 16)`` of the
        unmasked pages (no heads)."""
        return self.backbone(inputs.images, inputs.input_ids, inputs.bboxes,
                             inputs.attention_mask,
                             inputs.valid_shapes)[-1]

    def forward(self,
                inputs: LayoutInputs,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
