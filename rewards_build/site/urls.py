"""Where each page lives. Output paths are named here once. Links between pages are relative and
name the file ("../benefits/index.html"), so the site works under any base path, from any static
server, and opened straight from the disk (file://). Canonical and sitemap addresses keep the
clean folder form ("https://.../benefits/")."""

from __future__ import annotations

from urllib.parse import urlsplit

HOME = ""
CATALOG = "benefits/"
PARTNERS = "partners/"
TOOLKIT = "toolkit/"
TIPS = "tips/"
HOW_TO = "how-to/"
NOT_FOUND = "404.html"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
ASSETS = "assets/"
CATALOG_JSON = "api/catalog.json"
SEARCH_INDEX = "search.json"  # per language ("search.json", "ko/search.json"): what the search box filters
MANIFEST = ".rewards-build.json"  # bookkeeping for incremental builds; not a page


def benefit(benefit_id: str) -> str:
    return f"{CATALOG}{benefit_id}/"


def partner(partner_id: str) -> str:
    return f"{PARTNERS}{partner_id}/"


def partner_json(partner_id: str) -> str:
    return f"api/partners/{partner_id}.json"


def partner_feed(partner_id: str) -> str:
    """A partner's Atom feed of its alerts and state changes, beside its page (one per language)."""
    return f"{PARTNERS}{partner_id}/feed.xml"


def feed_of(key: str) -> str | None:
    """The feed a page links in its head: a partner page's own, else none."""
    head, _, rest = key.partition(PARTNERS)
    return partner_feed(rest.rstrip("/")) if head == "" and rest.count("/") == 1 and rest.endswith("/") else None


def toolkit(page_id: str) -> str:
    return f"{TOOLKIT}{page_id}/"


def tip(tip_id: str) -> str:
    return f"{TIPS}#{tip_id}"


def lang_prefix(language: str, default: str) -> str:
    return "" if language == default else f"{language}/"


def absolute(base_url: str, key: str, language: str, default: str) -> str:
    """A page's public address in one language, in the clean folder form (canonical, hreflang, sitemap):
    "partners/x/" in ko -> "https://rewards.example.com/ko/partners/x/"."""
    return base_url + lang_prefix(language, default) + key


def output_file(key: str, language: str, default: str) -> str:
    """The file for a page key: "partners/x/" -> "ko/partners/x/index.html"."""
    path = lang_prefix(language, default) + key
    return path + "index.html" if path.endswith("/") or path == "" else path


class Linker:
    """Relative links from one page: `to("benefits/")` from partners/x/ gives "../../benefits/"."""

    def __init__(self, key: str, language: str, default: str, base_url: str, absolute: bool = False):
        self.depth = key.count("/")
        self.prefix = lang_prefix(language, default)
        if absolute:  # the 404 page is served at any depth: use absolute paths
            root = urlsplit(base_url).path or "/"
            self.site_root, self.lang_root = root, root + self.prefix
        else:
            self.lang_root = "../" * self.depth
            self.site_root = "../" * (self.depth + self.prefix.count("/"))

    def to(self, key: str) -> str:
        return _file(self.lang_root + key)

    def to_language(self, key: str, language: str, default: str) -> str:
        return _file(self.site_root + lang_prefix(language, default) + key)

    def asset(self, name: str) -> str:
        return self.site_root + ASSETS + name

    def root_file(self, path: str) -> str:
        return self.site_root + path


def _file(path: str) -> str:
    """"a/b/" -> "a/b/index.html", keeping any "#fragment"."""
    path, hash_, fragment = path.partition("#")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path + hash_ + fragment
