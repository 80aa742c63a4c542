"""A toy dataset, model and metric for runner tests, drawing random numbers
where detection draws them: the data from Python's and numpy's generators
(augmentations), the loss from torch's (RoI sampling)."""
import random

import numpy as np
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from torch.utils.data import Dataset


class NoisyPages(Dataset):
    """Six samples of shape (1, ), each its index plus noise."""

    def __len__(self):
        return 6

    def __getitem__(self, index):
        value = index + np.random.rand() + random.random()
        return dict(inputs=torch.tensor([value], dtype=torch.float32))


class NoisyModel(BaseModel):
    """A linear layer on noisy inputs: the loss is its mean square, a
    prediction its value."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs)
        out = self.linear(x + torch.rand_like(x))
        if mode == 'loss':
            return dict(loss=(out**2).mean())
        return [dict(value=float(value)) for value in out.flatten()]


class MeanOutput(BaseMetric):
    """The mean prediction."""

    def process(self, data_batch, data_samples):
        self.results.extend(sample['value'] for sample in data_samples)

    def compute_metrics(self, results):
        return dict(mean=float(np.mean(results)))
