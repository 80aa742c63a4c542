"""tools/setup_env.sh picks the stack and checks the CUDA toolchain
(``--plan``: decides and checks, installs nothing). Fake ``nvidia-smi`` and
``nvcc`` on PATH stand for a GPU machine and a CUDA toolkit."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'setup_env.sh')


def write_exe(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_nvidia_smi(bin_dir, caps=('7.5', )):
    """An nvidia-smi that lists GPUs of these compute capabilities."""
    lines = '\n'.join(caps)
    write_exe(bin_dir / 'nvidia-smi', f'''#!/bin/sh
case "$*" in
    *compute_cap*) printf '%s\\n' "{lines}" ;;
    *) echo "GPU 0: NVIDIA GeForce RTX 2080 Ti (UUID: GPU-0)" ;;
esac
''')


def fake_toolkit(folder, release='13.0'):
    """A CUDA toolkit folder whose nvcc answers --version and --dryrun like
    the real one (TOP=<toolkit>/bin/..)."""
    write_exe(folder / 'bin' / 'nvcc', f'''#!/bin/sh
case "$*" in
    *--dryrun*) echo "#\\$ TOP={folder}/bin/.."; echo "#\\$ NVVMIR_LIBRARY_DIR=x" ;;
    *--version*) echo "Cuda compilation tools, release {release}, V{release}.88" ;;
esac
''')
    (folder / 'include').mkdir(parents=True, exist_ok=True)
    (folder / 'include' / 'cuda_runtime.h').write_text('')
    return folder


@pytest.fixture
def plan(tmp_path):
    """Runs setup_env.sh --plan with a PATH of system folders only (no
    real nvcc, no nvidia-smi) plus tmp_path/bin first."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()

    def run(*args, **env):
        full_env = {
            key: value
            for key, value in os.environ.items() if key not in (
                'MMLAYOUT_DEVICE', 'TORCH_CUDA_ARCH_LIST', 'CUDA_HOME',
                'MMCV_WHEEL', 'MMLAYOUT_EXTRAS', 'VENV')
        }
        full_env.update(
            PATH=f'{bin_dir}:/usr/bin:/bin', PYTHON=sys.executable,
            VENV=str(tmp_path / 'venv'), MMLAYOUT_CUDA_SEARCH='',
            MMLAYOUT_CACHE=str(tmp_path / 'cache'))
        full_env.update(env)
        result = subprocess.run(['bash', SCRIPT, *(args or ['--plan'])],
                                env=full_env, capture_output=True,
                                text=True, timeout=60)
        fields = {}
        for line in result.stdout.splitlines():
            key, _, value = line.partition(':')
            fields[key.strip()] = value.strip()
        return result, fields

    run.bin = bin_dir
    run.tmp = tmp_path
    return run


def test_cpu_without_a_gpu(plan):
    result, fields = plan()
    assert result.returncode == 0, result.stderr
    assert fields['device'] == 'cpu (MMLAYOUT_DEVICE=auto)'
    assert fields['constraints'].endswith('requirements/constraints.txt')
    assert fields['torch'] == '2.13.0 (CPU wheel)'
    assert fields['fingerprint'].endswith('ocr,pdf,peers,tests device cpu')


def test_auto_picks_cuda_on_a_gpu_machine_with_the_gpus_arch(plan):
    fake_nvidia_smi(plan.bin, caps=('7.5', '7.5'))
    toolkit = fake_toolkit(plan.tmp / 'cuda-13.0')
    # the nvcc on PATH is a wrapper script that execs the real one
    write_exe(plan.bin / 'nvcc', f'#!/bin/sh\nexec {toolkit}/bin/nvcc "$@"\n')
    result, fields = plan()
    assert result.returncode == 0, result.stderr
    assert fields['device'] == 'cuda (MMLAYOUT_DEVICE=auto)'
    assert fields['constraints'].endswith(
        'requirements/constraints-cuda.txt')
    assert fields['torch'] == '2.14.1 (CUDA 13.0 build)'
    assert fields['arch list'] == '7.5 (the GPUs nvidia-smi lists)'
    assert fields['toolkit'] == f'{toolkit} (nvcc 13.0)'
    assert fields['fingerprint'].endswith('device cuda arch 7.5')
    assert 'arch-7.5' in fields['mmcv']


def test_cuda_without_a_gpu_uses_the_default_arch_list(plan):
    toolkit = fake_toolkit(plan.tmp / 'cuda')
    result, fields = plan(MMLAYOUT_DEVICE='cuda', CUDA_HOME=str(toolkit))
    assert result.returncode == 0, result.stderr
    assert fields['arch list'].startswith('7.5;9.0 (default without a GPU')
    assert fields['toolkit'] == f'{toolkit} (nvcc 13.0)'


def test_given_arch_list_and_symlinked_nvcc(plan):
    toolkit = fake_toolkit(plan.tmp / 'cuda-13.0', release='13.1')
    (plan.bin / 'nvcc').symlink_to(toolkit / 'bin' / 'nvcc')
    result, fields = plan(MMLAYOUT_DEVICE='cuda',
                          TORCH_CUDA_ARCH_LIST='7.5 8.6+PTX')
    assert result.returncode == 0, result.stderr
    assert fields['arch list'] == '7.5;8.6+PTX (TORCH_CUDA_ARCH_LIST)'
    assert fields['toolkit'] == f'{toolkit} (nvcc 13.1)'


@pytest.mark.parametrize('device', ['cuda', 'auto'])
def test_no_nvcc_stops_with_what_to_install(plan, device):
    """Never a quiet CPU fallback: a GPU machine (auto) without nvcc stops
    too."""
    fake_nvidia_smi(plan.bin)
    result, _ = plan(MMLAYOUT_DEVICE=device)
    assert result.returncode == 1
    assert 'no CUDA compiler (nvcc) found' in result.stderr
    assert "install 'CUDA Toolkit 13.0'" in result.stderr
    assert 'MMLAYOUT_DEVICE=cpu' in result.stderr


def test_nvcc_of_another_cuda_major_stops(plan):
    toolkit = fake_toolkit(plan.tmp / 'cuda-12.4', release='12.4')
    result, _ = plan(MMLAYOUT_DEVICE='cuda', CUDA_HOME=str(toolkit))
    assert result.returncode == 1
    assert 'is 12.4 but torch 2.14.1 is a CUDA 13.0 build' in result.stderr
    assert "install 'CUDA Toolkit 13.0'" in result.stderr


def test_cuda_home_without_nvcc_is_named(plan):
    result, _ = plan(MMLAYOUT_DEVICE='cuda', CUDA_HOME=str(plan.tmp))
    assert result.returncode == 1
    assert f'CUDA_HOME={plan.tmp}' in result.stderr


def test_a_cached_wheel_needs_no_toolkit(plan):
    tag = f'cp{sys.version_info[0]}{sys.version_info[1]}'
    key = f'mmcv-2.1.0_torch-2.14.1_cuda-13.0_{tag}_arch-7.5'
    wheel = plan.tmp / 'cache' / 'mmcv-wheels' / key / (
        f'mmcv-2.1.0-{tag}-{tag}-linux_x86_64.whl')
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b'')
    result, fields = plan(MMLAYOUT_DEVICE='cuda', TORCH_CUDA_ARCH_LIST='7.5')
    assert result.returncode == 0, result.stderr
    assert fields['mmcv'] == (
        f'2.1.0 with CUDA ops from the cached wheel {wheel}')
    assert 'toolkit' not in fields


def test_the_stamp_changes_with_device_and_arch_list(plan):
    toolkit = fake_toolkit(plan.tmp / 'cuda')
    stamps = set()
    for env in (dict(MMLAYOUT_DEVICE='cpu'),
                dict(MMLAYOUT_DEVICE='cuda', TORCH_CUDA_ARCH_LIST='7.5'),
                dict(MMLAYOUT_DEVICE='cuda', TORCH_CUDA_ARCH_LIST='9.0')):
        result, fields = plan(CUDA_HOME=str(toolkit), **env)
        assert result.returncode == 0, result.stderr
        stamps.add(fields['fingerprint'])
    assert len(stamps) == 3


def test_bad_device_and_bad_option(plan):
    result, _ = plan(MMLAYOUT_DEVICE='rocm')
    assert result.returncode == 2
    assert 'MMLAYOUT_DEVICE must be auto, cpu or cuda' in result.stderr
    result, _ = plan('--frobnicate')
    assert result.returncode == 2
    assert 'usage:' in result.stderr
