"""Every value a template writes is escaped exactly as markupsafe.escape escapes it: the renderer's own
escape_output (a plain str instead of a Markup object, for speed) must never let through what escape
would have stopped, nor double-escape what is already safe."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup, escape

from rewards_build.model import Localized
from rewards_build.site import render

HOSTILE = ["<script>alert(1)</script>", '" onmouseover="x', "' onfocus='x", "&amp; &lt;", "a > b", "",
           "plain", "파트너 <b>", "\x00<", "</textarea><img src=x onerror=alert(1)>"]


class _Html:
    def __html__(self) -> str:
        return "<b>safe by its own word</b>"


class _Other:
    def __str__(self) -> str:
        return "<i>made a string</i>"


VALUES: list[object] = [*HOSTILE, *(Localized(h, "ko") for h in HOSTILE), *(Markup(h) for h in HOSTILE),
                        _Html(), _Other(), 0, 12.5, None, True]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escape_output_writes_what_markupsafe_escape_writes(value: object) -> None:
    assert render.escape_output(value) == str(escape(value))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_template_writes_each_value_as_stock_jinja_does(value: object) -> None:
    source = '<p title="{{ v }}">{{ v }}</p>{% set s %}{{ v }}{% endset %}{{ s }}{{ v ~ "<" }}'
    ours = render._Environment(autoescape=True).from_string(source)
    stock = jinja2.Environment(autoescape=True).from_string(source)
    assert ours.render(v=value) == stock.render(v=value)
    assert "environment.escape_output(" in str(render._Environment(autoescape=True).compile(source, raw=True))
