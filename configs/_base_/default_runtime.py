_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmlayout'], allow_failed_imports=False)

# The test metrics JSON is written by rank 0 alone (MMEngine's LoggerHook
# writes it in every process of a distributed run).
default_hooks = dict(logger=dict(type='RankZeroLoggerHook'))
# Checkpoints carry the random states of every rank: a resumed run
# reproduces the interrupted one (docs/robustness.md).
custom_hooks = [dict(type='RandomStateHook')]
