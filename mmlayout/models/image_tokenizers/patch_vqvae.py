"""PatchVQVAE: a small image tokenizer for page patches, trained here."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor


@MODELS.register_module()
class PatchVQVAE(BaseModel):
    """Vector-quantised autoencoder of ``p x p`` page patches.

    Gives every patch of a page one of ``num_codes`` discrete codes - the
    "visual words" that BEiT-style masked image modelling predicts
    (:class:`VQTokenTarget`). The encoder sees one patch at a time
    (non-overlapping convolutions), so a patch's code depends on that patch
    only; the decoder rebuilds the patch from its code.

    Codebook collapse - a few codes for the mostly blank patches of
    documents, the rest never used - is countered in three ways: codes and
    encodings are compared by cosine similarity in a low-dimensional space
    (``code_dims``), the codebook is updated by exponential moving averages
    of the encodings assigned to each code, and a code unused for
    ``restart_after`` training steps is restarted at a random encoding of
    the current batch. ``codes_used`` (% of the codebook hit in the batch)
    and ``perplexity`` are logged with the losses.

    Args:
        num_codes (int): Codebook size K. Defaults to 1024.
        code_dims (int): Code channels. Defaults to 32.
        patch_size (int): Patch side p, the product of ``strides``.
            Defaults to 16.
        hidden_channels (Sequence[int]): Channels of the encoder's
            convolutions (the decoder mirrors them). Defaults to (64, 128).
        strides (Sequence[int]): Stride (= kernel) of each encoder
            convolution; their product must be ``patch_size``.
            Defaults to (4, 4).
        commitment (float): Weight of the commitment loss. Defaults to 0.25.
        decay (float): EMA decay of the codebook. Defaults to 0.99.
        restart_after (int): Training steps without use after which a code
            is restarted. Defaults to 50.
        data_preprocessor (dict, optional): Normalises the images (e.g.
            ``DetDataPreprocessor`` with mean = std = 127.5).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 num_codes: int = 1024,
                 code_dims: int = 32,
                 patch_size: int = 16,
                 hidden_channels: Sequence[int] = (64, 128),
                 strides: Sequence[int] = (4, 4),
                 commitment: float = 0.25,
                 decay: float = 0.99,
                 restart_after: int = 50,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if len(hidden_channels) != len(strides) or int(
                torch.tensor(strides).prod()) != patch_size:
            raise ValueError(
                f'one stride per hidden layer, multiplying to patch_size '
                f'{patch_size}; got hidden_channels {hidden_channels} and '
                f'strides {strides}')
        self.num_codes = num_codes
        self.patch_size = patch_size
        self.commitment = commitment
        self.decay = decay
        self.restart_after = restart_after
        channels = (3, *hidden_channels)
        encoder: List[nn.Module] = []
        decoder: List[nn.Module] = [nn.Conv2d(code_dims, channels[-1], 1)]
        for c_in, c_out, stride in zip(channels[:-1], channels[1:], strides):
            encoder += [nn.Conv2d(c_in, c_out, stride, stride), nn.GELU()]
        for c_in, c_out, stride in zip(channels[:0:-1], channels[-2::-1],
                                       strides[::-1]):
            decoder += [nn.GELU(), nn.ConvTranspose2d(c_in, c_out, stride,
                                                      stride)]
        encoder.append(nn.Conv2d(channels[-1], code_dims, 1))
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder)
        codebook = F.normalize(torch.randn(num_codes, code_dims), dim=1)
        self.register_buffer('codebook', codebook)
        self.register_buffer('code_sums', codebook.clone())
        self.register_buffer('code_counts', torch.ones(num_codes))
        self.register_buffer('idle_steps', torch.zeros(num_codes))

    def encode(self, images: Tensor) -> Tensor:
        """Unit-length encodings ``(B, H / p, W / p, D)`` of the patches."""
        return F.normalize(
            self.encoder(images).permute(0, 2, 3, 1), dim=-1)

    @torch.no_grad()
    def tokenize(self, images: Tensor) -> Tensor:
        """Codes of the patches of normalised images.

        Args:
            images (Tensor): ``(B, 3, H, W)``, H and W multiples of p.

        Returns:
            Tensor: ``(B, H / p, W / p)`` long codes in ``[0, K)``.
        """
        return (self.encode(images) @ self.codebook.t()).argmax(-1)

    @torch.no_grad()
    def _update_codebook(self, flat: Tensor, codes: Tensor) -> None:
        """EMA update of the codebook and restart of idle codes."""
        one_hot = F.one_hot(codes, self.num_codes).to(flat.dtype)
        counts = one_hot.sum(0)
        self.code_counts.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.code_sums.mul_(self.decay).add_(
            one_hot.t() @ flat, alpha=1 - self.decay)
        self.codebook.copy_(F.normalize(self.code_sums, dim=1))
        self.idle_steps.add_(1).masked_fill_(counts > 0, 0)
        idle = torch.nonzero(self.idle_steps >= self.restart_after)[:, 0]
        if len(idle):
            picks = torch.randint(len(flat), (len(idle), ),
                                  device=flat.device)
            self.codebook[idle] = flat[picks]
            self.code_sums[idle] = flat[picks]
            self.code_counts[idle] = 1
            self.idle_steps[idle] = 0

    def _reconstruct(self, images: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Reconstructions, codes ``(N,)`` and the commitment loss."""
        encodings = self.encode(images)
        flat = encodings.reshape(-1, encodings.shape[-1])
        codes = (flat @ self.codebook.t()).argmax(-1)
        quantised = self.codebook[codes]
        commitment = F.mse_loss(flat, quantised)
        if self.training:
            self._update_codebook(flat.detach(), codes)
        # straight-through: the decoder's gradient reaches the encoder
        quantised = flat + (quantised - flat).detach()
        quantised = quantised.reshape(encodings.shape).permute(0, 3, 1, 2)
        return self.decoder(quantised), codes, commitment

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Reconstruction and commitment losses, codebook usage.

        Returns:
            dict[str, Tensor]: ``loss_rec`` (MSE of the normalised pixels),
            ``loss_commit``, ``codes_used`` (% of the codebook in the
            batch) and ``perplexity`` of the batch's code histogram.
        """
        recon, codes, commitment = self._reconstruct(inputs)
        histogram = torch.bincount(codes, minlength=self.num_codes).float()
        probs = histogram / histogram.sum()
        entropy = -(probs * probs.clamp(min=1e-12).log()).sum()
        return dict(
            loss_rec=F.mse_loss(recon, inputs),
            loss_commit=self.commitment * commitment,
            codes_used=100 * (histogram > 0).float().mean(),
            perplexity=entropy.exp())

    @torch.no_grad()
    def predict(self, inputs: Tensor,
                data_samples=None) -> List[BaseDataElement]:
        """Per page: the code histogram and the summed squared error of
        the reconstruction, for :class:`CodebookMetric`."""
        recon, codes, _ = self._reconstruct(inputs)
        codes = codes.reshape(len(inputs), -1)
        errors = (recon - inputs).square().flatten(1)
        return [
            BaseDataElement(
                histogram=torch.bincount(
                    page_codes, minlength=self.num_codes).cpu(),
                sq_error=float(error.sum()),
                count=error.numel()) for page_codes, error in zip(
                    codes, errors)
        ]

    def forward(self,
                inputs: Tensor,
                data_samples=None,
                mode: str = 'tensor') -> Union[Dict, List, Tensor]:
        """``mode``: ``'loss'``, ``'predict'`` or ``'tensor'`` (codes)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.tokenize(inputs)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
