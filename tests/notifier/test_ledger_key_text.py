"""A ledger key's text is what the ledger's key column holds and what Message-IDs are derived from:
it must stay exactly json.dumps of its five strings (ledgers written before keep their keys), for any
text a content file can carry."""

from __future__ import annotations

import json

import pytest

from notifier.plan import Key

HOSTILE = ["", "tip", 'a"b', "back\\slash", "é漢字", "\u2028\u2029\x85", "\x00\x1f\x7f", "\ud800", "😀", "[1, 2]"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_key_is_json_dumps_of_its_parts(text: str) -> None:
    parts = ["contact-overdue", text, f"{text}@example.com", f"x:{text}", "r2"]
    assert Key(*parts).text() == json.dumps(parts)
    assert json.loads(Key(*parts).text()) == parts
