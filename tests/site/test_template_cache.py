"""Compiled templates are kept between runs (Jinja's bytecode cache): a template compiles to different
code per language (translations are baked in) and per catalog version, so neither may ever be served
another's code."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewards_build.site import render


def _pattern(language: str) -> str:
    cache = render._bytecode_cache(language)
    assert cache is not None
    return str(cache.pattern)  # type: ignore[attr-defined]


def test_each_language_has_its_own_compiled_templates() -> None:
    assert _pattern("en") != _pattern("ko")
    assert _pattern("ko") == _pattern("ko")  # and keeps them from run to run


def test_a_changed_catalog_compiles_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "messages.po"
    monkeypatch.setattr(render, "catalog_path", lambda _language: po)
    po.write_text('msgid "Partners"\nmsgstr "파트너"\n', encoding="utf-8")
    before = _pattern("ko")
    po.write_text('msgid "Partners"\nmsgstr "파트너 목록"\n', encoding="utf-8")
    assert _pattern("ko") != before


def test_pages_from_compiled_templates_equal_pages_compiled_afresh(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Both languages share Jinja's cache folder: a Korean render must never load English code.
    from site_helpers import copy_site, tree

    copy = copy_site(tmp_path / "repo")
    for out in (tmp_path / "a", tmp_path / "b"):  # the second build finds every template compiled
        result, log = copy.build(out, jobs=1)
        assert result.exit_code == 0, log
    monkeypatch.setattr(render, "_bytecode_cache", lambda _language: None)
    result, log = copy.build(tmp_path / "afresh", jobs=1)
    assert result.exit_code == 0, log
    assert tree(tmp_path / "b") == tree(tmp_path / "afresh")
    assert tree(tmp_path / "a") == tree(tmp_path / "afresh")
