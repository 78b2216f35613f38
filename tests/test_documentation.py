"""Every setting and every canned query is documented; the README starts with the two commands."""

from __future__ import annotations

import re
from pathlib import Path

from partnergraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`{name}`" in text, f"setting {name} is missing from docs/settings.md"
        assert f"`PARTNERGRAPH_{name.upper()}`" in text, f"PARTNERGRAPH_{name.upper()} is undocumented"


def test_every_canned_query_is_documented():
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "queries").glob("*.rq")):
        assert f"`{path.stem}`" in text or f"## {path.stem}" in text, f"{path.stem} is undocumented"


def test_readme_starts_with_the_run_and_test_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)
    assert "partnergraph serve" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci, ".ci/run must run the README's test command"
