"""mmcv's RoIAlign and nms against saved outputs of a real mmcv build.

    python check_routed_ops.py save REFERENCE   # where mmcv has its ops
    python check_routed_ops.py check REFERENCE  # where they are routed

`save` runs both ops (and RoIAlign's backward) on fixed random inputs and
stores inputs and outputs; `check` runs them again on the CPU and, when
there is one, the GPU, and fails unless they agree to 1e-4 (RoIAlign) and
keep the same boxes (nms).
"""
import sys

import torch
from mmcv.ops import nms, roi_align

SAMPLING_RATIOS = (0, 2)


def run_ops(inputs, device):
    """RoIAlign outputs and input gradients per sampling ratio, nms keep."""
    features = inputs['features'].to(device).requires_grad_()
    results = {}
    for ratio in SAMPLING_RATIOS:
        output = roi_align(features, inputs['rois'].to(device), (7, 7),
                           1 / 8, ratio, 'avg', True)
        grad, = torch.autograd.grad(output, features,
                                    inputs['grad'].to(device))
        results[f'out{ratio}'] = output.detach().cpu()
        results[f'grad{ratio}'] = grad.cpu()
    _, keep = nms(inputs['boxes'].to(device), inputs['scores'].to(device),
                  0.5)
    results['keep'] = keep.cpu()
    return results


def make_inputs():
    generator = torch.Generator().manual_seed(0)
    corner = torch.rand(30, 2, generator=generator) * torch.tensor(
        [300., 220.])
    size = torch.rand(30, 2, generator=generator) * 150 + 2
    index = torch.randint(0, 2, (30, 1), generator=generator).float()
    return dict(
        features=torch.randn(2, 8, 40, 52, generator=generator),
        rois=torch.cat([index, corner, corner + size], 1),
        grad=torch.randn(30, 8, 7, 7, generator=generator),
        boxes=torch.cat([corner, corner + size], 1),
        scores=torch.rand(30, generator=generator))


def main():
    mode, path = sys.argv[1:3]
    if mode == 'save':
        inputs = make_inputs()
        torch.save(dict(inputs=inputs, expected=run_ops(inputs, 'cpu')),
                   path)
        return
    saved = torch.load(path)
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    for device in devices:
        results = run_ops(saved['inputs'], device)
        for ratio in SAMPLING_RATIOS:
            errors = [(results[k] - saved['expected'][k]).abs().max().item()
                      for k in (f'out{ratio}', f'grad{ratio}')]
            print(f'{device} roi_align sampling_ratio={ratio}: max |diff| '
                  f'output {errors[0]:.1e}, gradient {errors[1]:.1e}')
            assert max(errors) < 1e-4
        assert torch.equal(results['keep'], saved['expected']['keep'])
        print(f'{device} nms: the same {len(results["keep"])} boxes kept')


if __name__ == '__main__':
    main()
