"""Every interface string the code and templates mark for translation has its Korean translation,
so a Korean page never falls back to English mid-sentence (the catalogs are edited by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]


def test_every_marked_string_is_translated_in_every_language(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot),
                    "."], cwd=REPO, check=True, capture_output=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    for language in ("ko",):
        with (REPO / "rewards_build/locale" / language / "LC_MESSAGES/messages.po").open("rb") as f:
            catalog = read_po(f)
        have = {m.id for m in catalog if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
        missing = sorted(str(i) for i in wanted - have)
        assert missing == [], f"{language}: untranslated: {missing}"
