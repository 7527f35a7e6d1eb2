"""Each site.yml option is declared once, in rewards_build/config.py (type, default, help text).

The schema keeps copies of the defaults and help texts so that editors can show them; these tests
fail when a copy differs from its declaration, is missing, or names an option that is not declared.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier.send import SendSettings
from rewards_build.config import SiteConfig, SmtpConfig, option_key, options, site_config_from

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "rewards_build/schemas/site.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A property with its local $ref (#/$defs/...) followed; a reference to another file is a leaf."""
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {**SCHEMA["$defs"][ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


@dataclasses.dataclass(frozen=True)
class Declared:
    name: str  # dotted, as in site.yml
    field: dataclasses.Field[Any]
    kind: Any
    schema: dict[str, Any]  # the option's property in the schema
    required: bool  # listed in its object's "required"


def declared(cls: type[Any] = SiteConfig, node: dict[str, Any] = SCHEMA, prefix: str = "") -> Iterator[Declared]:
    hints = typing.get_type_hints(cls)
    for f in options(cls):
        parent, key = node, option_key(f)
        for part in key[:-1]:
            parent = _resolve(parent["properties"][part])
        assert key[-1] in parent.get("properties", {}), f"{prefix}{'.'.join(key)} is declared but not in the schema"
        prop = _resolve(parent["properties"][key[-1]])
        name = prefix + ".".join(key)
        yield Declared(name, f, hints[f.name], prop, key[-1] in parent.get("required", []))
        kind = next((k for k in typing.get_args(hints[f.name]) if k is not type(None)), hints[f.name])
        if dataclasses.is_dataclass(kind):
            yield from declared(kind, prop, name + ".")  # type: ignore[arg-type]


DECLARED = list(declared())


def _as_json(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


@pytest.mark.parametrize("option", DECLARED, ids=[d.name for d in DECLARED])
def test_the_schema_default_is_the_declared_default(option: Declared) -> None:
    default = option.field.default
    if default is dataclasses.MISSING:
        assert "default" not in option.schema, f"{option.name} has no default in config.py but one in the schema"
        assert option.required, f"{option.name} has no default in config.py, so the schema must require it"
    elif default is None:
        assert "default" not in option.schema, f"{option.name}: the schema's default should be left out (absent)"
        assert not option.required
    else:
        assert option.schema.get("default") == _as_json(default), (
            f"{option.name}: the schema's default {option.schema.get('default')!r} differs from the declared "
            f"{default!r} (rewards_build/config.py is the declaration; copy it to the schema)")
        assert type(option.schema["default"]) is type(_as_json(default)) or isinstance(default, float)
        assert not option.required


@pytest.mark.parametrize("option", DECLARED, ids=[d.name for d in DECLARED])
def test_the_schema_description_is_the_declared_help(option: Declared) -> None:
    assert option.schema.get("description") == option.field.metadata["help"], (
        f"{option.name}: the schema's description differs from the help text in rewards_build/config.py")


def _schema_keys(node: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, prop in node.get("properties", {}).items():
        keys.add(prefix + key)
        keys |= _schema_keys(_resolve(prop), prefix + key + ".")
    return keys


def test_every_key_the_schema_allows_is_a_declared_option() -> None:
    names = {d.name for d in DECLARED}
    groups = {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}
    assert _schema_keys(SCHEMA) == names | groups


def test_the_tls_choices_are_the_declared_ones() -> None:
    [tls] = [d for d in DECLARED if d.name == "notifier.smtp.tls"]
    assert tls.schema["enum"] == list(typing.get_args(tls.kind))


def test_the_privacy_choices_are_the_declared_ones() -> None:
    [privacy] = [d for d in DECLARED if d.name == "privacy"]
    assert privacy.schema["enum"] == list(typing.get_args(privacy.kind))


def test_the_former_privacy_mask_contacts_is_refused_in_one_located_problem(tmp_path: Path) -> None:
    """privacy.mask_contacts (true: masked) became privacy: public|private (docs/site.md says how to move)."""
    from rewards_build.pipeline import load_config

    path = tmp_path / "site.yml"
    text = (REPO / "site.yml").read_text(encoding="utf-8")
    path.write_text(text.replace("privacy: public", "privacy:\n  mask_contacts: true"), encoding="utf-8")
    config, problems = load_config(path)
    assert config is None
    assert [(p.line, p.message) for p in problems] == [(11, "privacy: found a mapping; allowed: public, private")]


def test_an_option_left_out_takes_its_declared_default(tmp_path: Path) -> None:
    minimal = {"title": "T", "base_url": "https://x.test", "output_dir": "out", "edit_url": "https://x.test/e",
               "languages": ["en"], "notifier": {"sender": {"email": "a@x.test"}, "smtp": {"host": "h", "port": 25},
                                                 "ledger": "l.db", "message_id_domain": "x.test"}}
    config = site_config_from(minimal, tmp_path / "site.yml")
    assert config.content_dir == tmp_path / "content" and config.notifier.outbox == tmp_path / "_outbox"
    assert config.base_url == "https://x.test/" and config.privacy == "public" and config.mask_contacts is True
    assert config.index_partners is False
    assert config.notifier.smtp == SmtpConfig("h", 25)
    assert (config.notifier.cadence_days, config.notifier.rate_limit_per_second) == (14, 50.0)


def test_sending_holds_the_smtp_options_instead_of_copying_them() -> None:
    copied = {f.name for f in dataclasses.fields(SendSettings)} & {f.name for f in dataclasses.fields(SmtpConfig)}
    assert copied == set()


# --- every number in site.yml is finite and in a sane range -------------------------------------------
# YAML reads .nan, .inf and 1e400 as floats. jsonschema-rs refuses NaN, but the pure-Python validator
# that explains a refusal accepts it for "number" (every comparison with NaN is false), so a file
# could be "invalid" and explained by nothing, i.e. pass. Each value below must be one located problem.

REPO = SCHEMA_PATH.parents[2]
NUMBERS = ["notifier.smtp.port", "notifier.smtp.timeout_seconds", "notifier.smtp.connections",
           "notifier.smtp.timeouts_before_stopping",
           "notifier.cadence_days", "notifier.reminder_interval_days", "notifier.reminders_before_escalation",
           "notifier.rate_limit_per_second", "notifier.retries",
           "notifier.bounces.soft_bounces", "notifier.bounces.max_message_bytes", "notifier.bounces.imap.port"]


def _site_with(tmp_path: Path, dotted_key: str, text: str) -> Path:
    import yaml

    data = yaml.safe_load((REPO / "site.yml").read_text(encoding="utf-8"))
    data["content_dir"] = str(REPO / "content")
    data["templates_dir"] = str(REPO / "templates")
    *parents, last = dotted_key.split(".")
    if "imap" in parents:  # the example reads no IMAP mailbox: give it one
        data["notifier"]["bounces"]["imap"] = {"host": "imap.example.com", "user": "u", "password_env": "IMAP_PW"}
    node = data
    for part in parents:
        node = node[part]
    node[last] = "@VALUE@"
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False).replace("'@VALUE@'", text), encoding="utf-8")
    return path


def test_every_number_option_is_covered() -> None:
    kinds = {d.name: d.kind for d in DECLARED}
    assert sorted(n for n, k in kinds.items() if k in (int, float)) == sorted(NUMBERS)


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+400"])
@pytest.mark.parametrize("key", NUMBERS)
def test_a_number_that_is_not_finite_is_refused(tmp_path: Path, key: str, value: str) -> None:
    from rewards_build.pipeline import load_config

    config, problems = load_config(_site_with(tmp_path, key, value))
    assert config is None, f"{key}: {value} was accepted"
    assert problems and all(p.message.startswith(f"{key}: ") for p in problems), problems
    assert any("nan" in p.message or "inf" in p.message for p in problems), problems


@pytest.mark.parametrize(("key", "value", "words"), [
    ("notifier.smtp.timeout_seconds", "0.001", "at least 1"),
    ("notifier.smtp.timeout_seconds", "601", "at most 600"),
    ("notifier.rate_limit_per_second", "0.0001", "at least 0.1"),
    ("notifier.rate_limit_per_second", "1.0e+300", "at most 100000"),
])
def test_a_number_out_of_its_range_is_refused(tmp_path: Path, key: str, value: str, words: str) -> None:
    from rewards_build.pipeline import load_config

    config, problems = load_config(_site_with(tmp_path, key, value))
    assert config is None
    [problem] = problems
    assert problem.message.startswith(f"{key}: found the number ") and problem.message.endswith(words)


def test_nan_is_refused_with_a_message_that_says_why(tmp_path: Path) -> None:
    from rewards_build.pipeline import load_config

    _, problems = load_config(_site_with(tmp_path, "notifier.smtp.timeout_seconds", ".nan"))
    [problem] = problems
    assert problem.message == ("notifier.smtp.timeout_seconds: expected a finite number, found the number nan "
                               "(YAML reads the unquoted .nan as the number nan; if you mean the text, quote it: "
                               '".nan")')


def test_content_outside_the_folder_of_site_yml_still_gets_edit_links(tmp_path: Path) -> None:
    # It validated, then `rewards notify` crashed in edit_link with a ValueError traceback.
    from rewards_build.pipeline import load_config

    config, problems = load_config(_site_with(tmp_path, "title", "Rewards"))
    assert problems == [] and config is not None
    assert not config.content_dir.is_relative_to(config.root)
    assert config.edit_link("partners/acme.yml") == config.edit_url + "content/partners/acme.yml"
