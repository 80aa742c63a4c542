from mmdet.registry import DATASETS

from .layout_coco import LayoutCocoDataset


@DATASETS.register_module()
class PubLayNetDataset(LayoutCocoDataset):
    """PubLayNet: layouts of PubMed Central articles, five classes.

    Its official COCO files name the categories ``text``, ``title``,
    ``list``, ``table`` and ``figure`` (ids 1..5).
    """

    METAINFO = {
        'classes': ('text', 'title', 'list', 'table', 'figure'),
        'palette': [(31, 119, 180), (214, 39, 40), (148, 103, 189),
                    (255, 127, 14), (44, 160, 44)],
    }
