"""PredictionHead: the transform + output layer of a pre-training head."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class PredictionHead(nn.Module):
    """``dense -> GELU -> LayerNorm -> output`` on token states.

    The head shape of BERT/RoBERTa's masked LM head, used by
    :class:`LayoutLMv3Pretrainer` for its three objectives. With
    ``tied=True`` the output layer has only a bias and its weight is given
    at every call (the word embedding table, for masked language
    modelling).

    Args:
        embed_dims (int): Channels C of the token states.
        out_channels (int): Outputs per token.
        tied (bool): Take the output weight ``(out_channels, C)`` as an
            argument instead of owning it. Defaults to False.
        layer_norm_eps (float): LayerNorm epsilon. Defaults to 1e-5.
    """

    def __init__(self,
                 embed_dims: int,
                 out_channels: int,
                 tied: bool = False,
                 layer_norm_eps: float = 1e-5) -> None:
        super().__init__()
        self.dense = nn.Linear(embed_dims, embed_dims)
        self.norm = nn.LayerNorm(embed_dims, eps=layer_norm_eps)
        self.tied = tied
        if tied:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.out = nn.Linear(embed_dims, out_channels)

    def forward(self, x: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        """``(..., C)`` states to ``(..., out_channels)`` outputs."""
        if self.tied != (weight is not None):
            raise ValueError('a tied PredictionHead needs the output weight, '
                             'an untied one takes none')
        x = self.norm(F.gelu(self.dense(x)))
        if self.tied:
            return F.linear(x, weight, self.bias)
        return self.out(x)
