_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmlayout'], allow_failed_imports=False)
