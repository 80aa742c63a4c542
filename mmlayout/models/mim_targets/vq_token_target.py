"""VQTokenTarget: masked image modelling of discrete visual tokens."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor

from ..utils.layoutlmv3_checkpoint import read_state_dict


@MODELS.register_module()
class VQTokenTarget(nn.Module):
    """Predict the code an image tokenizer gives each masked patch.

    The BEiT/LayoutLMv3 target: a frozen image tokenizer (a
    :class:`PatchVQVAE` trained with its own config, or any registered
    model with ``num_codes``, ``patch_size`` and ``tokenize(images) ->
    (B, H / p, W / p)`` codes, e.g. a wrapper of DiT's dVAE for someone who
    has its weights) labels every patch of the unmasked image; the
    pre-trainer's MIM head predicts the codes of the masked ones
    (cross-entropy). The tokenizer must see the images normalised as it was
    trained (mmlayout's configs: mean = std = 127.5, RGB, for both).

    Args:
        tokenizer (dict): Config of the image tokenizer.
        checkpoint (str, optional): Its trained weights (an MMEngine
            checkpoint); loaded strictly. None only for tests.
    """

    def __init__(self, tokenizer: dict, checkpoint: str = None) -> None:
        super().__init__()
        self.tokenizer = MODELS.build(tokenizer)
        if checkpoint is not None:
            self.tokenizer.load_state_dict(read_state_dict(checkpoint))
        self.tokenizer.requires_grad_(False)
        self.out_channels = self.tokenizer.num_codes

    @torch.no_grad()
    def forward(self, images: Tensor, patch_mask: Tensor) -> Tensor:
        """``(M,)`` long codes of the masked patches, row-major."""
        codes = self.tokenizer.tokenize(images)
        if codes.shape != patch_mask.shape:
            raise ValueError(
                f'the image tokenizer gives {tuple(codes.shape)} codes for '
                f'a patch mask of {tuple(patch_mask.shape)}: its patch size '
                'must be the backbone\'s')
        return codes[patch_mask]

    def per_patch_loss(self, preds: Tensor, targets: Tensor) -> Tensor:
        """``(M,)`` cross-entropy of the predicted code logits."""
        return F.cross_entropy(preds.float(), targets, reduction='none')

    def per_patch_correct(self, preds: Tensor, targets: Tensor) -> Tensor:
        """``(M,)`` bool: the most likely code is the target."""
        return preds.argmax(-1) == targets

    def baseline_loss(self, targets: Tensor) -> Tensor:
        """``(M,)`` loss of the uniform predictor, ``log K``."""
        return torch.full(targets.shape, math.log(self.out_channels),
                          device=targets.device)
