"""Content Markdown to HTML that is safe to show: one function, one policy, for the site and the mail.

Tips, toolkit pages and benefit descriptions come from pull requests, so their HTML is untrusted:
nh3 keeps only the tags, attributes and URL schemes below. A <script>, a <style>, an iframe, an
event handler, a style attribute, a javascript: or data: URL never survives, on a page or in a mail,
and images load only from the site itself.
"""

from __future__ import annotations

import functools
import re
import threading
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")


def markdown_text(text: str) -> str:
    """Plain text to put inside Markdown so that it shows as written: no link, image, emphasis or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


EXTENSIONS = ("extra", "sane_lists")
_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's converter. Making a Markdown object (loading its extensions, building its parser)
    cost more than converting a mail's few paragraphs; one object converts any number of texts if it
    is reset between them (Python-Markdown's documented way), but not two at once, hence per thread."""
    md: markdown.Markdown | None = getattr(_converters, "md", None)
    if md is None:
        md = _converters.md = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    return md


@functools.lru_cache(maxsize=4096)  # tip bodies repeat across thousands of pages and messages
def markdown_to_html(text: str) -> str:
    """Markdown to sanitized HTML."""
    html = _converter().reset().convert(text)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_local_images_only,
    )


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    """Images load from the site itself or not at all: a remote image in a page or a mail tells its
    host who read it and when (a tracking pixel), and in mail it would load from a stranger's server."""
    if tag == "img" and attribute == "src" and (urlsplit(value).scheme or value.startswith("//")):
        return None
    return value
