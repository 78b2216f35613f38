"""Build hook: copy ontology/, data/ and queries/ into the wheel as partnergraph/bundled/."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED_DIRS = ("ontology", "data", "queries")


class BuildWithResources(build_py):
    """build_py that also copies the project's data directories into the package."""

    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "partnergraph" / "bundled"
        for name in BUNDLED_DIRS:
            source = root / name
            if source.is_dir():
                shutil.rmtree(target / name, ignore_errors=True)
                shutil.copytree(source, target / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithResources})
