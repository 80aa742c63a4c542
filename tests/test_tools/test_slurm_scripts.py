"""tools/slurm_train.sh and tools/slurm_test.sh build the right ``srun``
command line: a fake ``srun`` first on PATH records its arguments and the
environment the tasks would get, instead of starting anything."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAKE_SRUN = r'''#!/usr/bin/env bash
# records argv (NUL-separated) and the variables the tasks would see
printf '%s\0' "$@" > "$SRUN_RECORD.argv"
printf 'MASTER_PORT=%s\nPYTHONPATH=%s\n' "${MASTER_PORT-unset}" \
    "${PYTHONPATH-unset}" > "$SRUN_RECORD.env"
exit "${FAKE_SRUN_STATUS:-0}"
'''


@pytest.fixture
def fake_srun(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(0o755)
    record = tmp_path / 'srun'

    def run(script, *args, **env):
        full_env = {
            key: value
            for key, value in os.environ.items()
            if key not in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK',
                           'SRUN_ARGS', 'PORT', 'PYTHON', 'PYTHONPATH')
        }
        full_env.update(PATH=f'{bin_dir}:{os.environ["PATH"]}',
                        SRUN_RECORD=str(record), **env)
        result = subprocess.run(
            ['bash', osp.join(ROOT, 'tools', script), *args],
            env=full_env, capture_output=True, text=True, timeout=60)
        argv = env_vars = None
        if osp.exists(f'{record}.argv'):
            argv = open(f'{record}.argv').read().split('\0')[:-1]
            env_vars = dict(
                line.split('=', 1)
                for line in open(f'{record}.env').read().splitlines())
        return result, argv, env_vars

    return run


def test_slurm_train_command_line(fake_srun):
    result, argv, env = fake_srun(
        'slurm_train.sh', 'gpu', 'cdla', 'configs/layoutmm_cascade_cdla.py',
        'work_dirs/cdla', '--amp', '--cfg-options', 'train_cfg.max_iters=10',
        GPUS='8', GPUS_PER_NODE='4', CPUS_PER_TASK='6',
        SRUN_ARGS='--time=2-00:00:00  --qos=high', PORT='29611',
        PYTHON='/opt/venv/bin/python')
    assert result.returncode == 0, result.stderr
    assert argv == [
        '-p', 'gpu', '--job-name=cdla', '--gres=gpu:4', '--ntasks=8',
        '--ntasks-per-node=4', '--cpus-per-task=6', '--kill-on-bad-exit=1',
        '--time=2-00:00:00', '--qos=high',
        '/opt/venv/bin/python', '-u', osp.join(ROOT, 'tools', 'train.py'),
        'configs/layoutmm_cascade_cdla.py', '--work-dir=work_dirs/cdla',
        '--launcher=slurm', '--amp', '--cfg-options',
        'train_cfg.max_iters=10'
    ]
    # every rank gets the same port, and the project on its path
    assert env['MASTER_PORT'] == '29611'
    assert env['PYTHONPATH'].split(':')[0] == ROOT


def test_slurm_train_defaults(fake_srun):
    """4 GPUs on one node (the mission's setup), 5 cores a task, port
    29500, the project's venv when it has one; arguments with spaces stay
    whole."""
    result, argv, env = fake_srun('slurm_train.sh', 'p', 'j', 'a b.py',
                                  'out dir')
    assert result.returncode == 0, result.stderr
    venv_python = osp.join(ROOT, '.venv', 'bin', 'python')
    python = venv_python if os.access(venv_python, os.X_OK) else 'python'
    assert argv == [
        '-p', 'p', '--job-name=j', '--gres=gpu:4', '--ntasks=4',
        '--ntasks-per-node=4', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        python, '-u', osp.join(ROOT, 'tools', 'train.py'), 'a b.py',
        '--work-dir=out dir', '--launcher=slurm'
    ]
    assert env['MASTER_PORT'] == '29500'


def test_slurm_train_caps_gpus_per_node_at_8(fake_srun):
    _, argv, _ = fake_srun('slurm_train.sh', 'p', 'j', 'c.py', 'w',
                           GPUS='16')
    assert '--ntasks=16' in argv
    assert '--ntasks-per-node=8' in argv and '--gres=gpu:8' in argv


def test_slurm_test_command_line(fake_srun):
    result, argv, env = fake_srun(
        'slurm_test.sh', 'gpu', 'cdla-test', 'cfg.py', 'iter_60000.pth',
        '--work-dir', 'work_dirs/t', '--out', 'preds.pkl', GPUS='2',
        PYTHON='python3')
    assert result.returncode == 0, result.stderr
    assert argv == [
        '-p', 'gpu', '--job-name=cdla-test', '--gres=gpu:2', '--ntasks=2',
        '--ntasks-per-node=2', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        'python3', '-u', osp.join(ROOT, 'tools', 'test.py'), 'cfg.py',
        'iter_60000.pth', '--launcher=slurm', '--work-dir', 'work_dirs/t',
        '--out', 'preds.pkl'
    ]
    assert env['MASTER_PORT'] == '29500'


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_usage_errors_start_nothing(fake_srun, script):
    result, argv, _ = fake_srun(script, 'gpu', 'job', 'cfg.py')
    assert result.returncode == 2
    assert 'usage:' in result.stderr
    assert argv is None


def test_srun_status_is_the_scripts(fake_srun):
    result, _, _ = fake_srun('slurm_train.sh', 'p', 'j', 'c.py', 'w',
                             FAKE_SRUN_STATUS='3')
    assert result.returncode == 3


def test_train_py_takes_the_slurm_arguments(fake_srun, monkeypatch):
    """What srun would run parses in tools/train.py as the slurm launcher
    with the work dir (MMEngine's Runner then calls init_dist('slurm'))."""
    _, argv, _ = fake_srun('slurm_train.sh', 'p', 'j',
                           'configs/layoutmm_cascade_cdla.py', 'wd', '--amp')
    script = argv.index(osp.join(ROOT, 'tools', 'train.py'))
    import train
    monkeypatch.setattr(sys, 'argv', argv[script:])
    monkeypatch.setenv('LOCAL_RANK', '0')  # restored afterwards
    args = train.parse_args()
    assert args.launcher == 'slurm'
    assert args.work_dir == 'wd'
    assert args.config == 'configs/layoutmm_cascade_cdla.py'
    assert args.amp


def test_dist_launch_multi_node_arguments(tmp_path):
    """The torchrun options docs/install.md documents for multi-node runs
    (a fake PYTHON records what dist_launch.sh would start)."""
    record = tmp_path / 'argv'
    fake_python = tmp_path / 'python'
    fake_python.write_text(
        f'#!/usr/bin/env bash\nprintf "%s\\0" "$@" > {record}\n')
    fake_python.chmod(0o755)
    env = dict(os.environ, PYTHON=str(fake_python), NNODES='2',
               NODE_RANK='1', MASTER_ADDR='10.0.0.1', PORT='29611')
    result = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), 'cfg.py', '4',
         '--amp'], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert record.read_text().split('\0')[:-1] == [
        '-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
        '--master_addr=10.0.0.1', '--master_port=29611',
        '--nproc_per_node=4', osp.join(ROOT, 'tools', 'train.py'),
        '--launcher', 'pytorch', 'cfg.py', '--amp'
    ]
