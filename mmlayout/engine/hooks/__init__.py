from .int8_inference_hook import Int8InferenceHook
from .random_state_hook import RandomStateHook
from .rank_zero_logger_hook import RankZeroLoggerHook

__all__ = ['Int8InferenceHook', 'RandomStateHook', 'RankZeroLoggerHook']
