"""PageFolderDataset: unlabelled page images, for pre-training."""
import os
import os.path as osp
from typing import List, Sequence, Union

from mmdet.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

#: Image file extensions the dataset lists.
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp')


def _read_stems(exclude: Union[str, Sequence[str], None]) -> set:
    """Stems to leave out: a sequence, or a text file with one a line."""
    if exclude is None:
        return set()
    if isinstance(exclude, str):
        if not osp.isfile(exclude):
            raise FileNotFoundError(
                f'exclude file {exclude} does not exist (a text file with '
                'one image stem a line)')
        with open(exclude, encoding='utf-8') as f:
            return {line.strip() for line in f if line.strip()}
    return set(exclude)


@DATASETS.register_module()
class PageFolderDataset(BaseDataset):
    """Every page image under a folder, without annotations.

    The pages of self-supervised pre-training: any folder of images whose
    OCR JSON files ``OCRTokenLoad`` finds (beside them, or under its
    ``ocr_root``), e.g. the output of ``data_tools/pdf2pages.py`` (PDFs
    with their text layer) or of ``data_tools/ocr_images.py``, or the
    ``images/`` of synthetic pages. Images are listed recursively, sorted
    by path, so a dataset's order does not depend on the file system.

    Args:
        data_root (str): Root that ``data_prefix['img']`` is relative to.
        data_prefix (dict): ``dict(img='images/')``: the image folder.
        exclude (str | Sequence[str], optional): Image stems to leave out
            (e.g. the pages an evaluation uses), as a sequence or a text
            file with one stem a line. Defaults to None.
        **kwargs: ``pipeline``, ``indices``, ``serialize_data``,
            ``lazy_init``, ``max_refetch`` of MMEngine's ``BaseDataset``.
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: dict = dict(img='images/'),  # noqa: B006
                 exclude: Union[str, Sequence[str], None] = None,
                 **kwargs) -> None:
        self.exclude = exclude
        super().__init__(
            ann_file='', data_root=data_root, data_prefix=data_prefix,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """One ``dict(img_path, img_id)`` per image, sorted by path."""
        folder = self.data_prefix.get('img', self.data_root)
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'PageFolderDataset: image folder {folder} does not exist '
                '(data_root + data_prefix["img"])')
        paths = sorted(
            osp.join(root, name)
            for root, _, names in os.walk(folder, followlinks=True)
            for name in names if name.lower().endswith(IMAGE_EXTENSIONS))
        excluded = _read_stems(self.exclude)
        kept = [
            path for path in paths
            if osp.splitext(osp.basename(path))[0] not in excluded
        ]
        if not kept:
            raise ValueError(
                f'PageFolderDataset: no images ({", ".join(IMAGE_EXTENSIONS)})'
                f' under {folder}' +
                (f' after excluding {len(paths)} listed stems'
                 if paths else ''))
        if len(kept) < len(paths):
            print_log(
                f'PageFolderDataset: {len(paths) - len(kept)} of {len(paths)}'
                f' images under {folder} excluded', logger='current')
        return [dict(img_path=path, img_id=osp.splitext(osp.basename(path))[0])
                for path in kept]

    def filter_data(self) -> List[dict]:
        """Nothing to filter: every page is kept."""
        return self.data_list

    def get_cat_ids(self, idx: int) -> List[int]:
        """No categories: pages are unlabelled."""
        return []

