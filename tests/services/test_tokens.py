"""The token registry: hashed tokens in a shared JSON file, roles, revocation, changes seen at once."""

from __future__ import annotations

import json
import os
import stat

import pytest

from partnergraph.errors import TokenError, TokensUnavailable
from partnergraph.services.tokens import ROLES, Principal, TokenInfo, TokenRegistry, hash_secret
from partnergraph.settings import Settings


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.tokens.json"


@pytest.fixture
def registry(path):
    return TokenRegistry(path)


def test_created_token_authenticates_with_its_name_and_role(registry):
    info, secret = registry.create("alice", "curator")
    assert info == TokenInfo(name="alice", role="curator", created=info.created, revoked=None, id=info.id)
    assert secret.startswith("pgt_") and len(secret) >= 4 + 43
    assert registry.authenticate(secret) == Principal("alice", "curator", info.id)


def test_unknown_or_empty_secret_does_not_authenticate(registry):
    _, secret = registry.create("alice", "curator")
    assert registry.authenticate(secret + "x") is None
    assert registry.authenticate("pgt_nothing") is None
    assert registry.authenticate("") is None


def test_missing_file_means_no_tokens(registry, path):
    assert not path.exists()
    assert registry.list() == []
    assert registry.authenticate("pgt_anything") is None


def test_only_the_hash_of_the_secret_is_on_disk(registry, path):
    _, secret = registry.create("alice", "admin")
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    assert secret.removeprefix("pgt_") not in text
    data = json.loads(text)
    assert data["version"] == 2
    [record] = data["tokens"]
    assert set(record) == {"id", "name", "role", "hash", "created", "revoked"}
    assert record["hash"] == hash_secret(secret)
    assert record["hash"].startswith("sha256:")


def test_token_file_is_readable_by_its_owner_only(registry, path):
    registry.create("alice", "curator")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    registry.create("bob", "admin")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_list_shows_no_hash_or_secret(registry):
    _, secret = registry.create("alice", "curator")
    [info] = registry.list()
    shown = repr(info) + json.dumps(info.to_json())
    assert "sha256" not in shown and secret not in shown
    assert info.to_json() == {"id": info.id, "name": "alice", "role": "curator", "created": info.created,
                              "revoked": None, "active": True}


def test_revoked_token_no_longer_authenticates_but_stays_listed(registry):
    _, secret = registry.create("alice", "curator")
    revoked = registry.revoke("alice")
    assert revoked.name == "alice" and revoked.revoked is not None and not revoked.active
    assert registry.authenticate(secret) is None
    [info] = registry.list()
    assert not info.active


def test_revoking_an_unknown_or_revoked_name_is_refused(registry):
    with pytest.raises(TokenError, match="no active token named 'alice'"):
        registry.revoke("alice")
    registry.create("alice", "curator")
    registry.revoke("alice")
    with pytest.raises(TokenError, match="no active token"):
        registry.revoke("alice")


def test_duplicate_active_name_is_refused(registry, path):
    registry.create("alice", "curator")
    before = path.read_bytes()
    with pytest.raises(TokenError, match="already active"):
        registry.create("alice", "admin")
    assert path.read_bytes() == before


def test_name_of_a_revoked_token_can_be_reused(registry):
    _, old = registry.create("alice", "curator")
    registry.revoke("alice")
    _, new = registry.create("alice", "admin")
    assert registry.authenticate(old) is None
    assert (registry.authenticate(new).name, registry.authenticate(new).role) == ("alice", "admin")
    assert [t.active for t in registry.list()] == [False, True]


@pytest.mark.parametrize("name", ["", "a" * 65, "with space", "bad/slash", "x[1]", "é"])
def test_bad_names_are_refused(registry, path, name):
    with pytest.raises(TokenError, match="bad token name"):
        registry.create(name, "curator")
    assert not path.exists()


def test_good_names_are_accepted(registry):
    for name in ["a", "a" * 64, "ci-bot.v2", "alice@example.org", "under_score"]:
        registry.create(name, "curator")
    assert len(registry.list()) == 5


def test_unknown_role_is_refused(registry):
    with pytest.raises(TokenError, match="unknown role 'owner'"):
        registry.create("alice", "owner")


def test_second_instance_sees_created_and_revoked_tokens_without_restart(path):
    server, cli = TokenRegistry(path), TokenRegistry(path)
    assert server.authenticate("pgt_x") is None  # the server has read (the absence of) the file
    _, secret = cli.create("alice", "curator")
    assert server.authenticate(secret).role == "curator"
    cli.revoke("alice")
    assert server.authenticate(secret) is None
    _, again = cli.create("alice", "admin")
    assert server.authenticate(again).role == "admin"


def test_file_removed_behind_the_registry_means_no_tokens(registry, path):
    _, secret = registry.create("alice", "curator")
    assert registry.authenticate(secret) is not None
    path.unlink()
    assert registry.authenticate(secret) is None


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "not valid JSON"),
    ("[]", 'not an object with a "tokens" list'),
    ('{"version": 3, "tokens": []}', '"version" is 3'),
    ('{"version": 2, "tokens": [{"name": "a", "role": "admin", "hash": "sha256:' + "0" * 64
     + '", "created": "x", "revoked": null}]}', '"id" is missing'),
    ('{"version": 1, "tokens": [{"name": "a", "role": "owner", "hash": "sha256:' + "0" * 64
     + '", "created": "x", "revoked": null}]}', "unknown role 'owner'"),
    ('{"version": 1, "tokens": [{"name": "a", "role": "admin", "hash": "plain", "created": "x",'
     ' "revoked": null}]}', '"hash" is not'),
])
def test_corrupt_file_is_tokens_unavailable_naming_the_problem_but_not_the_path(path, content, problem):
    path.write_text(content, encoding="utf-8")
    registry = TokenRegistry(path)
    for action in (registry.list, lambda: registry.authenticate("pgt_x"),
                   lambda: registry.create("bob", "curator"), lambda: registry.revoke("a")):
        with pytest.raises(TokensUnavailable) as info:
            action()
        assert info.value.path == path and str(path) not in info.value.message
        assert problem in info.value.message and info.value.status == 503
    assert path.read_text(encoding="utf-8") == content


def test_file_damaged_after_a_good_read_is_reported(registry, path):
    _, secret = registry.create("alice", "curator")
    assert registry.authenticate(secret) is not None
    path.write_text("{", encoding="utf-8")
    with pytest.raises(TokenError, match="damaged"):
        registry.authenticate(secret)


def test_admin_can_do_what_a_curator_can_but_not_the_reverse():
    assert ROLES == ("curator", "admin")
    admin, curator = Principal("root", "admin"), Principal("alice", "curator")
    assert admin.can("admin") and admin.can("curator")
    assert curator.can("curator") and not curator.can("admin")
    with pytest.raises(TokenError):
        curator.can("owner")


def test_principal_is_frozen():
    with pytest.raises(AttributeError):
        Principal("alice", "curator").role = "admin"  # type: ignore[misc]


def test_token_file_sits_beside_an_on_disk_store_not_inside_it(tmp_path):
    store = tmp_path / "store"
    beside = tmp_path / "store.tokens.json"
    assert Settings(store=str(store), tokens_file=None).token_file_path() == beside
    assert Settings(store=str(store) + "/", tokens_file=None).token_file_path() == beside
    assert str(Settings(store="/x/store", tokens_file=None).token_file_path()) == "/x/store.tokens.json"


def test_memory_and_remote_stores_have_no_token_file_unless_one_is_named(tmp_path):
    for store in (":memory:", "http://localhost:7878", "https://example.org/sparql"):
        assert Settings(store=store, tokens_file=None).token_file_path() is None
    named = tmp_path / "tokens.json"
    assert Settings(store=":memory:", tokens_file=str(named)).token_file_path() == named
    assert Settings(store=str(tmp_path / "s"), tokens_file=str(named)).token_file_path() == named


def test_a_new_token_with_a_revoked_tokens_name_gets_a_new_id(registry):
    first, secret = registry.create("alice", "curator")
    registry.revoke("alice")
    second, again = registry.create("alice", "curator")
    assert first.id != second.id
    assert registry.authenticate(again).agent_id == f"token/{second.id}"
    assert registry.authenticate(secret) is None


def test_a_version_1_file_is_read_with_stable_ids_and_written_back_as_version_2(path):
    secret = "pgt_" + "a" * 43
    path.write_text(json.dumps({"version": 1, "tokens": [
        {"name": "old", "role": "curator", "hash": hash_secret(secret), "created": "x", "revoked": None}]}))
    first = TokenRegistry(path).authenticate(secret)
    assert first.token_id.startswith("v1-") and TokenRegistry(path).authenticate(secret) == first
    TokenRegistry(path).create("new", "admin")
    data = json.loads(path.read_text())
    assert data["version"] == 2 and [r["id"] for r in data["tokens"]][0] == first.token_id
    assert TokenRegistry(path).authenticate(secret) == first


def test_local_principals_are_tied_to_their_name():
    assert Principal("me", "admin").agent_id == "local/me"
    assert Principal("me", "admin", "0123456789abcdef").agent_id == "token/0123456789abcdef"
