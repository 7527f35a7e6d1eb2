"""site.yml as typed configuration, each option declared once (the MkDocs way).

Every option is one dataclass field below: its type, its default (if it has one) and its help text
(`option(...)`). `site_config_from` fills the records generically from a mapping that already
passed schemas/site.schema.json, so no default is written anywhere else in the code. The schema
says which values are allowed; the defaults and descriptions it shows in editors are copies of the
ones here, and tests/test_config.py fails when a copy differs from its declaration (or is missing).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from .rules.escalations import ReminderPolicy

T = TypeVar("T")

Tls = Literal["none", "starttls", "implicit"]
Privacy = Literal["public", "private"]


def option(help: str, default: Any = dataclasses.MISSING, *, key: tuple[str, ...] | None = None,
           parse: Callable[[Any], Any] | None = None) -> Any:
    """One site.yml option: its help text, its default (none: required), where it sits in site.yml
    when that is not under its own name, and how its text becomes the value (besides the type's own)."""
    return dataclasses.field(default=default, metadata={"help": help, "key": key, "parse": parse})


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True, slots=True)
class Mailbox:
    email: str = option("The address.")
    name: str | None = option("The display name shown beside the address.", None)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str = option("The SMTP server's host name or address.")
    port: int = option("The SMTP server's port (25, 587 with starttls, 465 with implicit).")
    tls: Tls = option("none, starttls (upgrade after connecting) or implicit (TLS from the first byte).",
                      "starttls")
    user: str | None = option("The user name for AUTH; the password comes from password_env.", None)
    password_env: str | None = option(
        "The environment variable holding the SMTP password; the password itself never lives in a file.", None)
    timeout_seconds: float = option("How long to wait for the server's reply to any command.", 30.0)
    connections: int = option("SMTP connections used at once.", 2)
    pipelining: bool = option(
        "Send MAIL, RCPT and DATA together when the server advertises PIPELINING (RFC 2920)", True)
    helo_name: str | None = option(
        "The name this host gives in EHLO; default: the domain of notifier.sender (never localhost, which "
        "spam filters score against).", None)
    timeouts_before_stopping: int = option(
        "Consecutive timeouts after which the run stops sending and leaves the rest pending (a server slower "
        "than timeout_seconds would otherwise cost that long per message).", 3)


@dataclass(frozen=True, slots=True)
class UnsubscribeConfig:
    url: str = option("The receiver's public address (List-Unsubscribe in tip-only messages, the footer's link); "
                      "partner, contact, purpose and a signed token are appended.")
    secret_env: str = option("The environment variable holding the secret that signs unsubscribe tokens "
                             "(HMAC-SHA256); the notifier and the receiver read the same one.")


@dataclass(frozen=True, slots=True)
class DkimConfig:
    key_file: Path = option("The DKIM private key (PEM, RSA of 2048 bits or more), relative to site.yml; readable by "
                            "the notifier only, and never in the repository.")
    selector: str = option("The selector (s=): the public key is the TXT record <selector>._domainkey.<domain>.")
    domain: str = option("The signing domain (d=): the domain of notifier.sender or a parent of it, so that DMARC "
                         "finds the signature aligned.")


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str = option("The IMAP server's host name (IMAP over TLS from the first byte, certificate verified).")
    user: str = option("The IMAP user name; the password comes from password_env.")
    password_env: str = option("The environment variable holding the IMAP password.")
    port: int = option("The IMAP server's port (993: IMAP over TLS).", 993)
    folder: str = option("The folder the bounce address delivers into.", "INBOX")
    processed_folder: str = option("Where each message read is moved (created when missing), so it is read once.",
                                   "Processed")


@dataclass(frozen=True, slots=True)
class BouncesConfig:
    address: str = option(
        "The envelope sender (MAIL FROM) of every message, where non-delivery reports return; {key} becomes the "
        "message's ledger key (VERP), such as bounces+{key}@rewards.example.com.")
    maildir: Path | None = option(
        "A Maildir the bounce address delivers into, relative to site.yml; every run reads it before planning and "
        "moves each message it read into its .Processed folder.", None)
    imap: ImapConfig | None = option("An IMAP mailbox the bounce address delivers into (instead of a Maildir).",
                                     None)
    soft_bounces: int = option(
        "Temporary failures (4.x.x) reported for one address after which it is suppressed like a hard bounce.", 3)
    unsubscribe_address: str | None = option(
        "The mailto: unsubscribe address, delivered into the same inbox; a message to it carrying a signed "
        "unsubscribe link's query in its subject records that contact's opt-out of tips.", None)
    max_message_bytes: int = option("Inbox messages larger than this are not parsed (moved and named on stderr).",
                                    1_000_000)


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    sender: Mailbox = option("The From of every message.")
    smtp: SmtpConfig = option("The mail server the notifier sends through.")
    ledger: Path = option("The SQLite ledger of every message planned and sent, relative to site.yml.")
    message_id_domain: str = option("The domain of every Message-ID, such as rewards.example.com.")
    outbox: Path = option("Where `rewards notify --dry-run` writes its .eml files and index.html, relative to "
                          "site.yml.", Path("_outbox"))
    reply_to: Mailbox | None = option("Where partners' replies go.", None)
    rewards_team: Mailbox | None = option("Copied when a reminder escalates.", None)
    unsubscribe: UnsubscribeConfig | None = option(
        "The unsubscribe receiver for tips (`rewards unsubscribe-server`). Until it is configured and its secret "
        "is set, no message carries List-Unsubscribe.", None)
    dkim: DkimConfig | None = option(
        "DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed) of every message; a key file that is missing, "
        "unreadable or not a usable key stops the run before anything is sent.", None)
    bounces: BouncesConfig | None = option(
        "Bounces: the VERP envelope sender, the inbox non-delivery reports come back to, and when an address is "
        "suppressed. Without it the envelope sender is the From address and nothing reads what comes back.", None)
    cadence_days: int = option("At least this many days between two tips to the same contact.", 14)
    reminder_interval_days: int = option("Days between two reminders of the same escalation.", 7)
    reminders_before_escalation: int = option("Reminders sent before one also goes to the rewards team.", 2)
    rate_limit_per_second: float = option("At most this many messages a second, over all connections.", 50.0)
    retries: int = option("Retries of a message within one run after a temporary failure (4xx, disconnect, "
                          "timeout), waiting longer each time.", 3)

    @property
    def unsubscribe_record(self) -> Path:
        """Where the unsubscribe receiver appends each opt-out (one JSON line) and every run reads them:
        beside the ledger, the other record of what a contact has had."""
        return self.ledger.with_name("unsubscribed.jsonl")

    @property
    def reminders(self) -> ReminderPolicy:
        """The reminder policy, which decides an escalation's level on the site and in the mail alike."""
        return ReminderPolicy(self.reminder_interval_days, self.reminders_before_escalation)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    path: Path  # the site.yml file itself (not an option: where the options were read)
    root: Path  # the folder holding site.yml; relative paths start here
    title: str = option("The site's name, in every page title.")
    base_url: str = option("Public address of the site; links in emails start here.", parse=_slash)
    output_dir: Path = option("Where `rewards build` writes the site, relative to site.yml (--out overrides it).")
    edit_url: str = option("Repository editor address; a content path is appended for 'edit this file' links.",
                           parse=_slash)
    languages: tuple[str, ...] = option("The site's and the mail's languages (BCP 47); the first is the default.")
    notifier: NotifierConfig = option("The batch notifier: sender, SMTP server, ledger and pacing.")
    content_dir: Path = option("The program's content (program.yml, benefits/, partners/, tips/, toolkit/), "
                               "relative to site.yml.", Path("content"))
    templates_dir: Path = option("The Jinja2 templates (site/ and email/), relative to site.yml.", Path("templates"))
    privacy: Privacy = option(
        "public: partner pages and their JSON show tiers but no billed sales and no personal names (marketing "
        "contacts, offer owners), and mask emails and phone numbers; private (a site behind the company's "
        "sign-in): everything, unmasked.", "public")
    index_partners: bool = option(
        "Let search engines index the partners index and the partner pages, and list them in sitemap.xml "
        "(by default they are noindex and left out of the sitemap).", False)

    @property
    def public(self) -> bool:
        """A public site hides billed sales and people's names, and masks emails and phone numbers."""
        return self.privacy == "public"

    @property
    def mask_contacts(self) -> bool:
        """Emails and phone numbers are masked on a public site (the former privacy.mask_contacts)."""
        return self.public

    def edit_link(self, content_relative: str) -> str:
        """The repository editor's address for a content file, e.g. partners/contoso.yml. Content kept
        outside the folder of site.yml (a checkout of its own) is taken to sit at the top of the
        repository the editor shows, under its folder's name."""
        return _edit_prefix(self.edit_url, self.content_dir, self.root) + content_relative


@functools.lru_cache(maxsize=8)
def _edit_prefix(edit_url: str, content_dir: Path, root: Path) -> str:
    """The editor's address of the content folder, ending in "/" (worked out once: a partner page has
    about 60 edit links, and pathlib's joins cost more than the page's use of them)."""
    try:
        folder = content_dir.relative_to(root).as_posix()
    except ValueError:
        folder = content_dir.name
    return edit_url + ("" if folder == "." else folder + "/")


def options(cls: type[Any]) -> list[dataclasses.Field[Any]]:
    """The site.yml options of a configuration record (its fields with help text), in order."""
    return [f for f in dataclasses.fields(cls) if "help" in f.metadata]


def option_key(f: dataclasses.Field[Any]) -> tuple[str, ...]:
    """Where an option sits in site.yml, relative to its record: ("cadence_days",), or its declared `key=`."""
    key: tuple[str, ...] | None = f.metadata["key"]
    return key or (f.name,)


def site_config_from(data: Mapping[str, Any], path: Path) -> SiteConfig:
    """Build the configuration from a mapping that already passed site.schema.json."""
    root = path.resolve().parent
    return _fill(SiteConfig, data, root, {"path": path.resolve(), "root": root})


def _fill(cls: type[T], data: Mapping[str, Any], root: Path, given: Mapping[str, Any] | None = None) -> T:
    """A record from its part of site.yml: each option's value, or its declared default, as its type."""
    hints = typing.get_type_hints(cls)
    values = dict(given or {})
    for f in options(cls):
        raw = _lookup(data, option_key(f), f.default)
        if raw is dataclasses.MISSING:
            raise KeyError(f"site.yml: {'.'.join(option_key(f))} is required")  # the schema says so first
        parse = f.metadata["parse"]
        values[f.name] = _as(hints[f.name], parse(raw) if parse else raw, root)
    return cls(**values)


def _lookup(data: Mapping[str, Any], key: tuple[str, ...], default: Any) -> Any:
    for part in key:
        if not isinstance(data, Mapping) or part not in data:
            return default
        data = data[part]
    return data


def _as(kind: Any, value: Any, root: Path) -> Any:
    """A site.yml value as the option's type: relative paths start at site.yml's folder."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin is types.UnionType:  # X | None
        (kind,) = [k for k in typing.get_args(kind) if k is not type(None)]
        origin = typing.get_origin(kind)
    if kind is Path:
        return root / value
    if kind is float:
        return float(value)
    if origin is tuple:
        return tuple(value)
    if dataclasses.is_dataclass(kind):
        return _fill(kind, value, root)  # type: ignore[arg-type]
    return value
