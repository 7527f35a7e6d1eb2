"""When the fast validator refuses a file and the explaining one finds nothing to say (they disagree
about NaN, for one), the file is still refused, with a located problem: never silently valid."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from rewards_build import schema_check


def test_a_file_the_fast_validator_refuses_is_never_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "id: acme\nname: 5\n"
    data: dict[str, Any] = {"id": "acme", "name": 5}
    assert not schema_check.is_valid("partner", data)
    monkeypatch.setattr(schema_check, "_explainer", lambda kind: jsonschema.Draft202012Validator({}))
    problems = schema_check.check("partner", data, text, "content/partners/acme.yml")
    assert problems, "the fast validator said invalid: the file must not pass"
    assert all(p.path == "content/partners/acme.yml" for p in problems)
