"""Word lists the synthetic text is drawn from."""

EN_WORDS = (
    'the of and in to a is for that with on are by as we this from be an '
    'which these our can at or it have has model method results data using '
    'based analysis two not more than between were was used each study '
    'performance proposed system network learning training feature layer '
    'image document layout detection region text table figure structure '
    'information approach experiments dataset accuracy evaluation task '
    'different however also both while such where when all new one three '
    'first second show shown table value values time number different '
    'significant effect effects cell cells patients treatment clinical group '
    'groups protein expression gene genes level levels increased decreased '
    'observed compared control higher lower response function activity '
    'process processes mechanism factors factor conditions sample samples '
    'measurement measured estimate distribution parameter parameters linear '
    'optimal algorithm algorithms efficient robust semantic visual spatial '
    'attention transformer encoder decoder representation pretraining '
    'benchmark baseline improvement state art previous work works recent '
    'framework module modules consists reading order segmentation objects'
).split()
ZH_CHARS = (
    '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成'
    '会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着'
    '等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把'
    '性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新'
    '线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公'
    '无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活'
    '设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运'
    '农指几九区强放决西被干做必战先回则任取据处理府研究模型方法实验结果数'
    '据分析检测识别文档版面布局区域文本表格图像特征网络训练学习性能精度提'
    '出基于算法系统'
)
ZH_TERMS = ('CNN', 'Transformer', 'LayoutLMv3', 'OCR', 'mAP', 'ResNet', 'GPU',
            'F1', 'BERT', 'ImageNet', 'COCO', 'IoU')
EN_JOURNALS = ('Journal of Document Analysis', 'Pattern Recognition Letters',
               'Proceedings of the Conference on Vision',
               'International Journal of Computing', 'Neural Computation')
ZH_JOURNALS = ('计算机学报', '软件学报', '中文信息学报', '自动化学报',
               '电子学报', '计算机研究与发展')
SURNAMES_EN = ('Smith', 'Wang', 'Li', 'Zhang', 'Chen', 'Kumar', 'Garcia',
               'Müller', 'Tanaka', 'Brown', 'Liu', 'Yang', 'Huang', 'Zhao')
SURNAMES_ZH = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
GIVEN_ZH = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂'
# Section names of text-decided pages, where only the words mark a heading.
EN_SECTIONS = ('Introduction', 'Related Work', 'Method', 'Methodology',
               'Experiments', 'Experimental Setup', 'Results', 'Discussion',
               'Conclusion', 'Ablation Study', 'Implementation Details',
               'Datasets', 'Evaluation Metrics', 'Model Architecture',
               'Background', 'Limitations', 'Main Results', 'Future Work',
               'Training Details', 'Error Analysis')
ZH_SECTIONS = ('引言', '相关工作', '方法', '研究方法', '实验', '实验设置',
               '实验结果', '讨论', '结论', '消融实验', '实现细节', '数据集',
               '评价指标', '模型结构', '研究背景', '结果分析', '总结与展望',
               '训练细节', '对比实验', '问题定义')
MATH_SYMBOLS = ('α', 'β', 'γ', 'λ', 'θ', 'σ', 'μ', 'x', 'y', 'z', 'W', 'h',
                'f', 'L', 'p', 'q', 'k', 'n')
MATH_OPERATORS = (' + ', ' − ', ' · ', ' = ', ' ≤ ', ' × ')
MATH_FUNCTIONS = ('exp', 'log', 'softmax', 'max', 'min', 'tanh', '∑', '∏', '∫',
                  '‖', '√')
