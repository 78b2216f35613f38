"""`partnergraph token`: create prints the token alone on the last line; list never shows secrets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from partnergraph.cli import main
from partnergraph.services.tokens import Principal, TokenRegistry


def run(*args: str, store: str | None = None):
    runner = CliRunner(env={"PARTNERGRAPH_TOKENS_FILE": None, "PARTNERGRAPH_STORE": None})
    prefix = ["--store", store] if store else []
    return runner.invoke(main, [*prefix, *args], catch_exceptions=False)


@pytest.fixture
def store(tmp_path) -> str:
    return str(tmp_path / "store")


def test_create_prints_the_token_alone_on_the_last_line(store, tmp_path):
    result = run("token", "create", "--name", "alice", "--role", "curator", store=store)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert result.stdout.endswith("\n")
    secret = lines[-1]
    assert secret.startswith("pgt_") and secret.strip() == secret and "\x1b" not in secret
    explanation = "\n".join(lines[:-1])
    assert "alice" in explanation and "curator" in explanation
    assert str(tmp_path / "store.tokens.json") in explanation
    assert "shown once" in explanation
    registry = TokenRegistry(tmp_path / "store.tokens.json")
    assert registry.authenticate(secret).name == "alice"


def test_create_does_not_need_or_create_the_store(store, tmp_path):
    result = run("token", "create", "--name", "alice", "--role", "admin", store=store)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "store").exists()
    assert (tmp_path / "store.tokens.json").exists()


def test_subcommand_store_and_tokens_file_options_choose_the_file(tmp_path):
    result = run("token", "create", "--name", "a", "--role", "curator", "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.tokens.json").exists()
    named = tmp_path / "elsewhere" / "tokens.json"
    result = run("token", "create", "--name", "b", "--role", "curator", "--tokens-file", str(named),
                 store=":memory:")
    assert result.exit_code == 0, result.output
    assert [t.name for t in TokenRegistry(named).list()] == ["b"]


def test_list_shows_the_token_without_secret_or_hash(store):
    secret = run("token", "create", "--name", "alice", "--role", "curator",
                 store=store).stdout.splitlines()[-1]
    for fmt in ("table", "json"):
        result = run("token", "list", "--format", fmt, store=store)
        assert result.exit_code == 0, result.output
        assert "alice" in result.output and "curator" in result.output
        assert secret not in result.output and "sha256" not in result.output
    listed = json.loads(run("token", "list", "--format", "json", store=store).stdout)
    assert [(t["name"], t["role"], t["active"]) for t in listed["tokens"]] == [("alice", "curator", True)]


def test_revoke_then_the_token_no_longer_authenticates(store, tmp_path):
    secret = run("token", "create", "--name", "alice", "--role", "curator",
                 store=store).stdout.splitlines()[-1]
    registry = TokenRegistry(tmp_path / "store.tokens.json")
    assert registry.authenticate(secret) is not None
    result = run("token", "revoke", "alice", store=store)
    assert result.exit_code == 0, result.output
    assert registry.authenticate(secret) is None
    listed = json.loads(run("token", "list", "--format", "json", store=store).stdout)
    assert listed["tokens"][0]["active"] is False


def test_revoking_an_unknown_name_exits_2(store):
    result = run("token", "revoke", "nobody", store=store)
    assert result.exit_code == 2
    assert "no active token named 'nobody'" in result.stderr


def test_duplicate_active_name_exits_2(store):
    assert run("token", "create", "--name", "alice", "--role", "curator", store=store).exit_code == 0
    result = run("token", "create", "--name", "alice", "--role", "admin", store=store)
    assert result.exit_code == 2
    assert "already active" in result.stderr
    assert "pgt_" not in result.stdout


@pytest.mark.parametrize("location", [":memory:", "http://127.0.0.1:7878"])
def test_store_without_a_token_file_exits_2_with_a_clear_message(location):
    result = run("token", "list", store=location)
    assert result.exit_code == 2
    assert "--tokens-file" in result.stderr and "PARTNERGRAPH_TOKENS_FILE" in result.stderr


def test_unknown_role_is_a_usage_error():
    result = run("token", "create", "--name", "alice", "--role", "owner", store=":memory:")
    assert result.exit_code == 2


def test_corrupt_token_file_exits_2_naming_the_file(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("{", encoding="utf-8")
    result = run("token", "list", "--tokens-file", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and "not valid JSON" in result.stderr


@pytest.mark.slow
def test_installed_command_prints_the_token_last(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "partnergraph", "--store", str(tmp_path / "store"), "token", "create",
         "--name", "ci", "--role", "curator"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    secret = proc.stdout.splitlines()[-1]
    assert TokenRegistry(tmp_path / "store.tokens.json").authenticate(secret).name == "ci"
