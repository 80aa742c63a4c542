"""Small tokenizers the tests build themselves (no hub access).

* :func:`english_bpe_tokenizer`: a byte-level BPE like RoBERTa's (the
  tokenizer of ``microsoft/layoutlmv3-base``), saved as a
  ``RobertaTokenizerFast``.
* :func:`chinese_unigram_tokenizer`: a Unigram (SentencePiece-style)
  tokenizer like XLM-R's (``microsoft/layoutlmv3-base-chinese``), saved as an
  ``XLMRobertaTokenizerFast``.

Both have RoBERTa's special ids: ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2,
``<unk>`` 3, and load with ``AutoTokenizer.from_pretrained(directory)``.
Each is trained (:func:`mmlayout.utils.train_tokenizer`) once per test
session into a temporary directory.
"""
import atexit
import shutil
import tempfile
from functools import lru_cache

from mmlayout.utils import train_tokenizer

ENGLISH_TEXT = [
    'Deep learning for document layout analysis.',
    'Table 1: Results on the validation set of PubLayNet.',
    'Figure 2 shows the architecture of the proposed model.',
    'The quick brown fox jumps over the lazy dog.',
    'Abstract. We present a text-aware detector for page regions.',
    'References, captions, headers and footers are labelled as well.',
]

CHINESE_TEXT = [
    '文档版面分析是文档理解的重要步骤。',
    '本文提出一种结合文本与图像的版面检测方法。',
    '表1：验证集上的实验结果。',
    '图2展示了模型的整体结构。',
    '标题、段落、图表、公式、页眉和页脚都被标注。',
    '参考文献部分列出了相关的工作。',
]


def _temp_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@lru_cache(maxsize=None)
def english_bpe_tokenizer(vocab_size: int = 400) -> str:
    """Directory of a byte-level BPE tokenizer (RoBERTa-like)."""
    return train_tokenizer(ENGLISH_TEXT * 10, _temp_dir('mmlayout-bpe-'),
                           'bpe', vocab_size)


@lru_cache(maxsize=None)
def chinese_unigram_tokenizer(vocab_size: int = 200) -> str:
    """Directory of a Unigram (SentencePiece-style) tokenizer (XLM-R-like)."""
    return train_tokenizer(CHINESE_TEXT * 10, _temp_dir('mmlayout-unigram-'),
                           'unigram', vocab_size)
