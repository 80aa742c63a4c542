from mmdet.registry import DATASETS

from .layout_coco import LayoutCocoDataset


@DATASETS.register_module()
class CDLADataset(LayoutCocoDataset):
    """CDLA: Chinese Document Layout Analysis (academic papers).

    Ten classes, in the order ``data_tools/cdla2coco.py`` writes them
    (category ids 1..10, no ``_background_`` category). The annotation file
    is COCO; ``CocoDataset`` maps category ids to labels by class name, so a
    file whose categories are named differently fails loudly at load time.
    """

    METAINFO = {
        'classes': ('Text', 'Title', 'Figure', 'Figure caption', 'Table',
                    'Table caption', 'Header', 'Footer', 'Reference',
                    'Equation'),
        'palette': [(31, 119, 180), (214, 39, 40), (44, 160, 44),
                    (152, 223, 138), (255, 127, 14), (255, 187, 120),
                    (148, 103, 189), (197, 176, 213), (140, 86, 75),
                    (227, 119, 194)],
    }
