"""A plain (non-editable) wheel carries the ontology, shapes, data, queries and web files, and works."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and installs it into a fresh virtual environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=300, capture_output=True)
    return next(out.glob("partnergraph-*.whl"))


def test_wheel_bundles_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = ["partnergraph/bundled/ontology/partnergraph.ttl",
                "partnergraph/bundled/ontology/shapes.ttl",
                "partnergraph/web/static/vendor/yasgui/yasgui.min.js",
                "partnergraph/web/static/vendor/swagger-ui/swagger-ui-bundle.js",
                "partnergraph/web/templates/index.html"]
    expected += [f"partnergraph/bundled/data/{p.name}" for p in (ROOT / "data").glob("*.ttl")]
    expected += [f"partnergraph/bundled/queries/{p.name}" for p in (ROOT / "queries").glob("*.rq")]
    expected += [f"partnergraph/bundled/ontology/vocabularies/{p.name}"
                 for p in (ROOT / "ontology" / "vocabularies").glob("*.ttl")]
    missing = [name for name in expected if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_installed_wheel_loads_and_answers_without_the_checkout(wheel, tmp_path):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = f"""
import sys
sys.path.insert(0, {str(unpacked)!r})
import partnergraph
assert partnergraph.__file__.startswith({str(unpacked)!r}), partnergraph.__file__
from partnergraph.cli import main
main(["--store", {str(tmp_path / 'store')!r}, "load"], standalone_mode=False)
main(["--store", {str(tmp_path / 'store')!r}, "query", "--format", "json",
      "SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <https://w3id.org/partnergraph/ontology#SovereignState> }}"],
     standalone_mode=False)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout[result.stdout.index('{"head"'):])
    assert int(answer["results"]["bindings"][0]["n"]["value"]) >= 20
