"""JSON Schema validation of each file against the shipped schemas (the single source of truth).

Two validators of the same schema: the compiled one (jsonschema-rs) answers "valid?" for every file
fast; the pure-Python one (jsonschema) explains the few files that are not, with error objects rich
enough to say what was found and what is allowed, at the line and column of the offending value.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:  # the explaining validator is imported only when a file needs explaining
    import jsonschema

from .positions import Locator, dotted, written_as, yaml_reading_hint
from .problems import Problem, clip
from .yamlload import yaml11_reading

SCHEMA_DIR = Path(__file__).parent / "schemas"
KINDS = ("program", "benefit", "partner", "tip", "toolkit", "site")


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    loaded = {}
    for name in (*KINDS, "common"):
        path = SCHEMA_DIR / f"{name}.schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["$id"] = path.resolve().as_uri()  # so that "common.schema.json#/..." resolves beside it
        loaded[name] = schema
    return loaded


@cache
def _fast(kind: str) -> jsonschema_rs.Validator:
    schemas = _schemas()
    registry = jsonschema_rs.Registry([(schemas["common"]["$id"], schemas["common"])])
    return jsonschema_rs.validator_for(schemas[kind], registry=registry, base_uri=schemas[kind]["$id"])


@cache
def _explainer(kind: str) -> jsonschema.Draft202012Validator:
    import jsonschema  # 40 ms of imports that a run whose files are all valid (a rebuild) never needs
    from referencing import Registry, Resource

    schemas = _schemas()
    registry = Registry().with_resource(schemas["common"]["$id"], Resource.from_contents(schemas["common"]))
    return jsonschema.Draft202012Validator(schemas[kind], registry=registry)


def is_valid(kind: str, data: Any) -> bool:
    return _fast(kind).is_valid(data)


def refused_paths(kind: str, data: Any) -> list[tuple[str | int, ...]]:
    """Where the schema refuses something in a file (the instance paths of its errors), for modelling
    what it accepted; empty when the file is valid."""
    return [tuple(error.instance_path) for error in _fast(kind).iter_errors(data)]


def top_level_keys(kind: str) -> frozenset[str]:
    return frozenset(_schemas()[kind].get("properties", {}))


def top_level_lists(kind: str) -> frozenset[str]:
    """The top-level keys whose value is a list of records."""
    return frozenset(key for key, sub in _schemas()[kind].get("properties", {}).items() if sub.get("type") == "array")


def most_entries(kind: str, key: str) -> int | None:
    """The most entries a top-level list may hold (its maxItems), None when unbounded."""
    limit = _schemas()[kind].get("properties", {}).get(key, {}).get("maxItems")
    return limit if isinstance(limit, int) else None


def check(kind: str, data: Any, text: str, shown: str, line_offset: int = 0) -> list[Problem]:
    """Every schema problem of one file, located; empty when the file is valid."""
    if is_valid(kind, data):
        return []
    locator = Locator(text, line_offset)
    problems = []
    for error in _explainer(kind).iter_errors(data):
        for leaf in _leaves(error):
            problems.extend(_explain(leaf, locator, shown))
    if not problems:
        # The two validators disagree (jsonschema-rs refuses NaN as a number; jsonschema accepts it).
        # The compiled one decided the file is invalid, so it is: say where, in its words.
        for fast_error in _fast(kind).iter_errors(data):
            path = list(fast_error.instance_path)
            line, col = locator.at(path)
            value = fast_error.instance
            found = "NaN" if isinstance(value, float) and value != value else _found(value)
            problems.append(Problem(shown, line, col, f"{dotted(path) or '(top level)'}: found {found}, which the "
                                                      "schema does not allow"))
    return sorted(set(problems))


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    from jsonschema.exceptions import best_match  # imported already by the explainer that made `error`

    if error.context:
        best = best_match(error.context)
        yield from _leaves(best) if best is not None else [error]
    else:
        yield error


# Bidirectional embeddings, overrides and isolates ("Trojan Source", CVE-2021-42574): refused by the
# one-line text types of common.schema.json, which list the same ranges.
_BIDI_CONTROLS = frozenset([*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))])

_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping of keys to values", "null": "nothing"}


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "an empty value"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {clip(value)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _allowed_words(schema: Mapping[str, Any]) -> str:
    if "x-expected" in schema:
        expected: str = schema["x-expected"]
        return expected
    return "the allowed form"


def _explain(error: jsonschema.ValidationError, loc: Locator, shown: str) -> list[Problem]:
    path = list(error.absolute_path)
    where = dotted(path)
    kind, value = error.validator, error.instance
    # Every error here comes from a keyword of an object schema; the stubs also allow a boolean schema
    # and "unset" (an error made by hand), which have no keywords to explain.
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    keyword_value = error.validator_value

    def at_value(message: str) -> list[Problem]:
        line, col = loc.at(path)
        return [Problem(shown, line, col, message)]

    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in value if k not in schema.get("properties", {})]
        out = []
        listed = ", ".join(allowed)
        for key in extras:
            line, col = loc.at_key(path, key)
            guess = _close_match(key, allowed)
            hint = f"did you mean '{guess}'? " if guess else ""
            out.append(Problem(shown, line, col, f"unknown key '{clip(key)}' in {where}; {hint}allowed keys: {listed}"))
        return out
    if kind == "required":
        required = keyword_value if isinstance(keyword_value, list) else []
        missing = [k for k in required if isinstance(value, dict) and k not in value]
        line, col = loc.at(path)
        return [Problem(shown, line, col, f"missing required key '{k}' in {where}") for k in missing]
    if kind == "type":
        expected = [str(t) for t in (keyword_value if isinstance(keyword_value, list) else [keyword_value])]
        words = schema.get("x-expected") or " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        reading = yaml11_reading(value) if isinstance(value, str) else None
        if reading is not None and written_as(loc.node(path)) == value:
            # yes, on, 1:30 written plain where true/false or a number belongs: say what each YAML reads.
            write = reading.split()[-1]
            return at_value(f"{where}: expected {words}, found {value}, which YAML 1.1 reads as {reading} and YAML "
                            f"1.2 (editors, check-jsonschema) as text, so tools disagree on it: write {write}")
        hint = yaml_reading_hint(loc.node(path), value)
        return at_value(f"{where}: expected {words}, found {_found(value)}{hint}")
    if kind == "enum":
        allowed = [str(v) for v in (keyword_value if isinstance(keyword_value, list) else [])]
        guess = _close_match(value, allowed) if isinstance(value, str) else None
        hint = f"; did you mean '{guess}'?" if guess else ""
        reading = yaml_reading_hint(loc.node(path), value) if not isinstance(value, str) else ""
        if isinstance(value, str) and yaml11_reading(value) is not None and written_as(loc.node(path)) == value:
            return at_value(f"{where}: found {value}, which YAML 1.1 reads as {yaml11_reading(value)} and YAML 1.2 "
                            f"(editors, check-jsonschema) as text; allowed: {', '.join(allowed)}{hint}")
        return at_value(f"{where}: found {_found(value)}{reading}; allowed: {', '.join(allowed)}{hint}")
    if kind == "pattern" and isinstance(value, str) and yaml11_reading(value) is not None:
        # Every text pattern refuses these: JSON Schema tools see the text, not whether it was quoted.
        reading = yaml11_reading(value)
        if written_as(loc.node(path)) == value:
            return at_value(f"{where}: found {value}, which YAML 1.1 reads as {reading} and YAML 1.2 (editors, "
                            "check-jsonschema) as text, so tools disagree on it; it is not allowed here even "
                            f"quoted; expected {_allowed_words(schema)}")
        return at_value(f"{where}: found the text {value!r}, which unquoted is {reading} in YAML 1.1; editors and "
                        "check-jsonschema cannot tell quoted from unquoted, so it is not allowed here; expected "
                        f"{_allowed_words(schema)}")
    if kind == "pattern" and isinstance(value, str):
        control = next((c for c in value if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"), None)
        if control is not None and "control" in schema.get("x-expected", ""):
            return at_value(f"{where}: contains the control character U+{ord(control):04X}; expected "
                            f"{_allowed_words(schema)}")
        bidi = next((c for c in value if c in _BIDI_CONTROLS), None)
        if bidi is not None and "control" in schema.get("x-expected", ""):
            return at_value(f"{where}: contains U+{ord(bidi):04X} ({unicodedata.name(bidi)}), an invisible "
                            "control that changes the order in which the text around it is shown, so a name can "
                            "read differently from what it is (in a subject line, on the site); remove it")
        return at_value(f"{where}: found {_found(value)}; expected {_allowed_words(schema)}")
    if kind in ("minLength", "maxLength") and isinstance(value, str):
        if kind == "minLength" and not value:
            return at_value(f"{where}: is empty; expected {_allowed_words(schema)}")
        return at_value(f"{where}: is {len(value)} characters long; "
                        f"{'at least' if kind == 'minLength' else 'at most'} {keyword_value} allowed")
    if kind in ("minItems", "maxItems") and isinstance(value, list):
        bound = "at least" if kind == "minItems" else "at most"
        return at_value(f"{where}: has {len(value)} entries; {bound} {keyword_value} allowed")
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[kind]
        return at_value(f"{where}: found {_found(value)}; must be {words} {keyword_value}")
    if kind == "uniqueItems" and isinstance(value, list):
        return at_value(f"{where}: {clip(repr(_first_repeated(value)))} is listed more than once")
    if kind == "minProperties":
        return at_value(f"{where}: is empty; give at least {keyword_value} entries")
    # jsonschema's own wording quotes the whole value, which can be a megabyte: quote its start.
    return at_value(f"{where}: {clip(error.message, 300)}")


def _close_match(word: str, allowed: list[str]) -> str | None:
    """The allowed word a typo most likely meant; a long text is no typo of a short word (and slow to compare)."""
    if len(word) > 100:
        return None
    guess = difflib.get_close_matches(word, allowed, n=1)
    return guess[0] if guess else None


def _first_repeated(values: list[Any]) -> Any:
    """The first value listed twice, in one pass (the schema keeps such lists to strings and numbers)."""
    seen: set[str] = set()
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key in seen:
            return value
        seen.add(key)
    return None
