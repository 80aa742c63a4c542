"""MMEngine's LoggerHook with the files every rank would write alike
written by rank 0 alone."""
from typing import Dict, Optional

from mmdet.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import LoggerHook


@HOOKS.register_module()
class RankZeroLoggerHook(LoggerHook):
    """:class:`~mmengine.hooks.LoggerHook` whose files are written by rank 0
    only.

    In every process of a distributed run MMEngine's hook writes

    - after a test, the metrics JSON
      ``<work_dir>/<timestamp>/<timestamp>.json`` (the same file with the
      same metrics: they are broadcast from rank 0);
    - at the end, with ``out_dir`` set, the copies of the log files in
      ``out_dir`` (the same copies), and with ``keep_local=False`` it
      removes the local files, maybe while another rank is copying them.

    Here only rank 0 does these; the other ranks close their visualizer.
    The other files the hook writes (scalars, text logs) go through
    MMEngine's rank-0-only visualizer and logger methods already.
    """

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        if is_main_process():
            super().after_test_epoch(runner, metrics)

    def after_run(self, runner) -> None:
        if is_main_process():
            super().after_run(runner)
        else:
            runner.visualizer.close()
