"""Rendering: one Jinja environment per language (gettext installed), Markdown sanitized by sanitize.py.

Templates hold markup only; every value they show was computed in pages.py and is escaped here by
autoescape. The only HTML that reaches a page unescaped is Markdown output that went through the sanitizer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import Expr
from markupsafe import Markup

try:  # markupsafe's own escaping, what markupsafe.escape calls: its C speedup, or its Python fallback
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - a markupsafe built without its extension
    from markupsafe._native import _escape_inner

from ..sanitize import markdown_to_html
from .i18n import catalog_path, translations

TEMPLATE_SUBDIR = "site"


def markdown_html(text: str) -> Markup:
    """Content Markdown as page HTML: sanitized by the one policy the site and the mail share."""
    return Markup(markdown_to_html(text))


class StaticGettext(Extension):
    """Translate `_("literal")` once, when a template compiles, instead of on every render.

    Each language has its own environment, so a call without arguments is a constant: it becomes a
    string literal (escaped like any other). Calls with arguments stay ordinary gettext calls.
    Templates keep the `_()` form, so `pybabel extract` still finds every message.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        catalog = getattr(self.environment, "static_translations", None)
        window: list[Token] = []
        for token in stream:
            window.append(token)
            if len(window) < 4:
                continue
            a, b, c, d = window
            if (catalog is not None and a.type == "name" and a.value == "_" and b.type == "lparen"
                    and c.type == "string" and d.type == "rparen"):
                window = [Token(a.lineno, "string", catalog.gettext(c.value))]
                continue
            yield window.pop(0)
        yield from window


def _bytecode_cache(language: str) -> BytecodeCache | None:
    """Compiled templates kept from run to run, in Jinja's own cache folder (private to this user,
    under the temporary directory): compiling them was a fifth of a one-partner rebuild. A template
    compiles to different code per language (StaticGettext bakes the translations in), per version of
    this module and of Jinja, so the file names carry a digest of all three; Jinja checks each
    template's source itself. None (compile every run) when Jinja finds no safe folder."""
    digest = hashlib.sha256(language.encode() + b"\0" + Path(__file__).read_bytes())
    path = catalog_path(language)
    digest.update(path.read_bytes() if path.exists() else b"-")
    digest.update(jinja2.__version__.encode())
    try:
        return FileSystemBytecodeCache(pattern=f"__rewards_{digest.hexdigest()[:20]}_%s.cache")
    except (OSError, RuntimeError):
        return None


def escape_output(value: Any) -> str:
    """markupsafe.escape, for what a `{{ ... }}` writes into a page: the same text, as a plain str.

    escape() wraps every result in a new Markup object, and Jinja joins the pieces into a str right
    after; making those objects was a tenth of rendering a partner page (about 2,000 a page). The
    escaping is markupsafe's own, rule for rule: str escaped, an object with __html__ (Markup, macro
    output, the sanitizer's HTML) taken as it says, anything else made a str and escaped."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return _escape_inner(str(value))


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, but a template's outputs escaped by escape_output (see there).
    Only the autoescaped output of `{{ ... }}` changes; everything else Jinja writes as ever."""

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


class _Environment(Environment):
    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)


class Renderer:
    """Compiled templates for each language; created once per build."""

    def __init__(self, templates_dir: Path, languages: tuple[str, ...]):
        loader = FileSystemLoader(str(templates_dir / TEMPLATE_SUBDIR))
        self._envs: dict[str, Environment] = {}
        for language in languages:
            env = _Environment(
                loader=loader,
                autoescape=True,
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
                extensions=["jinja2.ext.i18n", StaticGettext],
                bytecode_cache=_bytecode_cache(language),
                # A Renderer lives for one build (`rewards serve` makes a new one for each), so the
                # templates cannot change under it: no stat of every template on every include.
                auto_reload=False,
            )
            # Both attributes are added at run time, so Environment's type does not declare them: ours
            # for StaticGettext above, install_gettext_translations by the jinja2.ext.i18n extension.
            env.static_translations = translations(language)  # type: ignore[attr-defined]
            env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
            env.filters["markdown"] = markdown_html
            self._envs[language] = env

    def render(self, template: str, language: str, **context: Any) -> str:
        return self._envs[language].get_template(template).render(**context)


def to_json(value: Any) -> str:
    """Stable, compact JSON (sorted keys, trailing newline) for the machine-readable files."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def page_bytes(renderer: Renderer, page: Any) -> bytes:
    """A page's final bytes: a template rendered with its context, or JSON, text or bytes as given."""
    if page.template is not None:
        return renderer.render(page.template, page.context.chrome.lang, page=page.context,
                               chrome=page.context.chrome).encode()
    if isinstance(page.context, bytes):
        return page.context
    if isinstance(page.context, str):
        return page.context.encode()
    return to_json(page.context).encode()
