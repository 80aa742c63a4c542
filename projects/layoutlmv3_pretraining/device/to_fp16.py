"""A training checkpoint's weights in fp16 (no optimizer state), to bring
back under the device's 16 MB file limit."""
import sys

import torch

ck = torch.load(sys.argv[1], map_location='cpu', weights_only=False)
sd = {k: v.half() if v.is_floating_point() else v
      for k, v in ck['state_dict'].items()}
torch.save({'state_dict': sd,
            'meta': {'iter': ck['meta'].get('iter'), 'source': sys.argv[1]}},
           sys.argv[2])
