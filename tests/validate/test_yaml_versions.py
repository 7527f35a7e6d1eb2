"""`rewards validate` (YAML 1.1), check-jsonschema and the YAML language server (YAML 1.2) give the same
verdict on every word YAML 1.1 reads as a boolean and on its base-60 numbers, wherever they stand.

check-jsonschema runs for real on the raw files, as an author or a CI job would run it; it reads YAML
1.2 as the language server does, so its verdict stands for the editor's too.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rewards_build.pipeline import load_all
from rewards_build.yamlload import YAML11_TEXT
from tests.conftest import REPO, TODAY

SCHEMAS = REPO / "rewards_build/schemas"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
ACME = "content/partners/acme.yml"

BOOLEAN_WORDS = ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
TRUE_FALSE = ["true", "True", "TRUE", "false", "False", "FALSE"]
NUMBERS = ["0755", "010", "1:30", "-1:30", "1:30:00", "1:30.5"]

# Where a word can stand: (name, text in the fixture, how to write the word there)
PLACES = [
    ("boolean", "listing_optimization_done: true", "listing_optimization_done: {}"),
    ("integer", "billed_sales_usd: 30000", "billed_sales_usd: {}"),
    ("text", "name: Bo Contact", "name: {}"),
    ("language", "language: en", "language: {}"),
    ("id", "offer: acme-app\n    date: 2026-02-01", "offer: {}\n    date: 2026-02-01"),
    ("date", "date: 2026-02-01", "date: {}"),
]

CASES = [(word, place) for word in [*BOOLEAN_WORDS, *TRUE_FALSE, *NUMBERS] for place in PLACES]


def expected_valid(word: str, place: str) -> bool:
    """Only true and false where true or false belongs; nothing else here is a value every tool reads alike."""
    return word in TRUE_FALSE and place == "boolean"


def check_jsonschema(files: list[Path]) -> set[str]:
    """The files check-jsonschema refuses, by name (one run for all of them)."""
    run = subprocess.run([str(CHECK_JSONSCHEMA), "--output-format", "json", "--schemafile",
                          str(SCHEMAS / "partner.schema.json"), *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    assert not report.get("parse_errors"), report["parse_errors"]
    return {Path(error["filename"]).name for error in report["errors"]}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[bool, bool, list[str]]]:
    """(word, place) -> (rewards validate refuses, check-jsonschema refuses, our messages)."""
    import os
    import shutil

    root = tmp_path_factory.mktemp("yaml-versions") / "mini"
    shutil.copytree(REPO / "tests/fixtures/mini", root)
    variants = root.parent / "variants"
    variants.mkdir()
    original = (root / ACME).read_text(encoding="utf-8")
    ours: dict[tuple[str, str], tuple[bool, list[str]]] = {}
    files: dict[tuple[str, str], Path] = {}
    cwd = Path.cwd()
    os.chdir(root)
    try:
        for index, (word, (place, old, new)) in enumerate(CASES):
            text = original.replace(old, new.format(word), 1)
            assert text != original or new.format(word) == old
            (root / ACME).write_text(text, encoding="utf-8")
            problems = [str(p) for p in load_all(Path("site.yml"), TODAY).problems]
            ours[word, place] = (bool(problems), problems)
            files[word, place] = variants / f"case{index}.yml"
            files[word, place].write_text(text, encoding="utf-8")
    finally:
        os.chdir(cwd)
    refused = check_jsonschema(list(files.values()))
    return {key: (ours[key][0], files[key].name in refused, ours[key][1]) for key in ours}


@pytest.mark.parametrize(("word", "place"), [(w, p[0]) for w, p in CASES], ids=[f"{w}-as-{p[0]}" for w, p in CASES])
def test_rewards_validate_and_check_jsonschema_agree(verdicts, word: str, place: str) -> None:
    ours, theirs, messages = verdicts[word, place]
    if word in ("0755", "010") and place == "integer":
        # The one case no schema can settle: YAML 1.2 reads a whole number (755), YAML 1.1 another (493).
        # We refuse it with a located message; check-jsonschema sees a valid number (docs/workflow.md).
        assert ours and not theirs
        assert "write the number without leading zeros" in messages[0]
        return
    assert ours == theirs == (not expected_valid(word, place)), messages


def test_the_product_names_the_fix(verdicts) -> None:
    assert verdicts["yes", "boolean"][2] == [
        f"{ACME}:13:32: offers[0].listing_optimization_done: expected true or false, found yes, which YAML 1.1 reads "
        "as the boolean true and YAML 1.2 (editors, check-jsonschema) as text, so tools disagree on it: write true"]
    assert verdicts["Off", "boolean"][2][0].endswith("write false")
    assert verdicts["1:30", "integer"][2][0].endswith("write 90")


def test_every_text_in_the_content_schemas_refuses_the_words() -> None:
    """Every string a content schema allows has a pattern that refuses each word and base-60 number, and the
    loader's regular expression is the one the patterns start with (kept in step)."""
    guard = f"^(?!(?:{YAML11_TEXT})(?![\\s\\S]))"
    strings = 0

    def visit(node: object, name: str) -> None:
        nonlocal strings
        if isinstance(node, dict):
            if node.get("type") == "string":
                strings += 1
                pattern = node.get("pattern")
                assert pattern is not None, (name, node)
                assert pattern.startswith(guard) or all(re.search(pattern, w) is None for w in
                                                        [*BOOLEAN_WORDS, "1:30", "1:30.5"]), (name, node)
            for value in node.values():
                visit(value, name)
        elif isinstance(node, list):
            for value in node:
                visit(value, name)

    for path in SCHEMAS.glob("*.schema.json"):
        if path.name != "site.schema.json":  # site.yml is the operator's, not content
            visit(json.loads(path.read_text(encoding="utf-8")), path.name)
    assert strings >= 10
