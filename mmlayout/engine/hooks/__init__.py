from .random_state_hook import RandomStateHook
from .rank_zero_logger_hook import RankZeroLoggerHook

__all__ = ['RandomStateHook', 'RankZeroLoggerHook']
