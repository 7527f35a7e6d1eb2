"""Interface translations (gettext catalogs managed with Babel) and locale-aware formatting.

The catalogs live as `.po` files in rewards_build/locale/<lang>/LC_MESSAGES/messages.po and are
compiled in memory when a build starts (a few milliseconds): there is no `.mo` to forget to
recompile, and reviewers only ever see text diffs.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from markupsafe import Markup

from ..model import Localized, localized

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction (pybabel extract) without translating it here."""
    return message


def catalog_path(language: str) -> Path:
    return _catalog_path(LOCALE_DIR, language)


@functools.lru_cache(maxsize=16)
def _catalog_path(folder: Path, language: str) -> Path:
    # Cached: a Formatter is made for every page, and each looks at its catalog's stamp (pathlib's
    # joins cost more than the stat itself).
    return folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogs_fingerprint(languages: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for language in languages:
        path = catalog_path(language)
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def translations(language: str) -> NullTranslations:
    """The compiled catalog for a language, recompiled when its file changes (under `rewards serve`)."""
    stamp = _stamp(language)
    return _compiled(language, *stamp) if stamp else NullTranslations()


def _stamp(language: str) -> tuple[int, int] | None:
    """What identifies a catalog's version: its modification time and size (None: no catalog)."""
    try:
        stat = os.stat(catalog_path(language))
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=16)
def _parsed(language: str, _mtime_ns: int, _size: int) -> Catalog:
    # One parse of a catalog's version serves both its compiled form and its message table: babel's
    # read_po costs about 5 ms a language warm (more at a cold start), paid by every process.
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


@functools.lru_cache(maxsize=16)
def _compiled(language: str, _mtime_ns: int, _size: int) -> NullTranslations:
    catalog = _parsed(language, _mtime_ns, _size)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def translated_messages(language: str) -> dict[str, Localized]:
    """Every message the language's catalog translates (not fuzzy, which gettext would not use either),
    as text that knows its language; recompiled with the catalog."""
    stamp = _stamp(language)
    return _translated_messages(language, *stamp) if stamp else {}


@functools.lru_cache(maxsize=16)
def _translated_messages(language: str, _mtime_ns: int, _size: int) -> dict[str, Localized]:
    catalog = _parsed(language, _mtime_ns, _size)
    found: dict[str, Localized] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ident, string = message.id, message.string
        if isinstance(ident, (tuple, list)):  # singular and plural: keyed by the singular, as ngettext is
            if isinstance(string, (tuple, list)) and string and all(string):
                found[ident[0]] = Localized(string[0], language)
        elif isinstance(string, str) and string:
            found[ident] = Localized(string, language)
    return found


class LocalizedMarkup(Markup):
    """HTML rendered from a Localized text (a description, a page body): it keeps the text's `lang_attr`
    for the element that holds it."""

    lang_attr: Markup = Markup("")  # an instance made without localized_html (no text): no attribute


def localized_html(text: Localized, render: Callable[[str], Markup]) -> LocalizedMarkup:
    """`text` rendered to HTML (by render.markdown_html: passed in, since rendering imports this module),
    with the language attribute `text` calls for."""
    out = LocalizedMarkup(render(text))
    out.lang_attr = text.lang_attr
    return out


@dataclass(frozen=True, slots=True)
class Formatter:
    """Everything language-dependent that Python computes for a page, in one place."""

    language: str
    catalog: NullTranslations = field(init=False, repr=False, compare=False)
    messages: dict[str, Localized] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        stamp = _stamp(self.language)  # one look at the file for both (a Formatter is made per page)
        object.__setattr__(self, "catalog", _compiled(self.language, *stamp) if stamp else NullTranslations())
        object.__setattr__(self, "messages", _translated_messages(self.language, *stamp) if stamp else {})

    def gettext(self, message: str) -> Localized:
        """The message in this language; where the catalog lacks it, the English, marked as a fallback."""
        return self.messages.get(message) or localized(message, "en", self.language)

    def months(self, n: int) -> str:
        """"6 months", "6개월": CLDR's own plural rules, so a program number reads right in each language."""
        return str(format_unit(n, "duration-month", locale=self.language))

    def days(self, n: int) -> str:
        return str(format_unit(n, "duration-day", locale=self.language))

    def ngettext(self, singular: str, plural: str, n: int) -> Localized:
        text = self.catalog.ngettext(singular, plural, n)
        return Localized(text, self.language) if singular in self.messages else localized(text, "en", self.language)

    def date(self, day: dt.date | None) -> str:
        return _date(day, self.language) if day else ""

    def money(self, amount: int | None) -> str:
        return _money(amount, self.language) if amount is not None else ""

    def number(self, value: int) -> str:
        return format_decimal(value, locale=_locale(self.language))

    def language_name(self, tag: str) -> str:
        return _language_name(tag, self.language)


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language.replace("-", "_"))


@functools.lru_cache(maxsize=4096)
def _date(day: dt.date, language: str) -> str:
    return format_date(day, format="medium", locale=_locale(language))


@functools.lru_cache(maxsize=4096)
def _money(amount: int, language: str) -> str:
    return format_currency(amount, "USD", format="¤#,##0", locale=_locale(language), currency_digits=False)


@functools.lru_cache(maxsize=256)
def _language_name(tag: str, language: str) -> str:
    try:
        return _locale(tag).get_display_name(_locale(language)) or tag
    except (ValueError, LookupError):
        return tag
