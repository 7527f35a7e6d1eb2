"""Composing: one planned envelope -> one multipart/alternative message (bytes; see mime.py).

Every item is Markdown rendered from a template (templates/email/items/); the HTML part is that
Markdown converted and sanitised, and the text part is that HTML read back as plain text, wrapped at
78 columns (plaintext.py). A configured DKIM key signs the finished bytes (signing.py). Every computed value (dates,
day counts, links, the words in the contact's language) is computed here, not in templates.
Headers take address objects, and no value with a control character reaches a header.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

from rewards_build import wording
from rewards_build.config import Mailbox, SiteConfig
from rewards_build.model import Content, Partner
from rewards_build.rules import EscalationKind, SponsorshipStanding
from rewards_build.sanitize import markdown_text, markdown_to_html
from rewards_build.site import urls

from .mime import (
    POLICY,
    UnsafeHeader,
    address,
    address_header,
    check_structure,
    multipart_alternative,
    safe,
    text_header,
)
from .plaintext import html_to_text, paragraphs
from .plan import Envelope, Item
from .signing import DkimSigner
from .unsubscribe import Signer

__all__ = ["POLICY", "CatalogError", "Composed", "Composer", "UnsafeHeader"]


PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"


@dataclass(frozen=True, slots=True)
class Composed:
    envelope: Envelope
    data: bytes  # the message as it goes on the wire (CRLF line ends)
    sender: str  # envelope sender (MAIL FROM)
    recipients: tuple[str, ...]  # envelope recipients (RCPT TO), the contact first

    @property
    def message_id(self) -> str:
        return self.envelope.message_id

    def message(self) -> EmailMessage:
        """The message parsed back by the email package (previews, tests)."""
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value,unused-ignore]


class CatalogError(ValueError):
    """The email's string tables lack words the program needs (found when the notifier starts)."""


class Catalog:
    """The email's own words per language (templates/email/strings/<lang>.yml); English fallback."""

    def __init__(self, folder: Path):
        self.tables: dict[str, dict[str, str]] = {}
        for path in sorted(folder.glob("*.yml")):
            self.tables[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        english = self.tables.get("en", {})
        needed = [*(key for kind in EscalationKind for key in wording.mail_keys(kind)), *wording.SPONSORSHIP_MAIL_KEYS]
        missing = [key for key in needed if not english.get(key)]
        if missing:
            raise CatalogError(f"{folder / 'en.yml'}: no words for {', '.join(missing)}; every escalation kind "
                               "needs its subject, title, body and action in English, and so does the sponsorship mail")

    def language(self, tag: str) -> str:
        """The best shipped language for a BCP 47 tag: exact, then primary subtag, then English."""
        tag = tag.replace("_", "-")
        for candidate in (tag, tag.split("-")[0].lower()):
            if candidate in self.tables:
                return candidate
        return "en"

    def get(self, lang: str, key: str, **values: object) -> str:
        text = self.tables.get(lang, {}).get(key) or self.tables["en"][key]
        return text.format(**values) if values else text


@lru_cache(maxsize=1024)
def _amount(amount: int, lang: str) -> str:
    """An amount with the language's digit grouping (2,000)."""
    try:
        return format_decimal(amount, locale=Locale.parse(lang))
    except (UnknownLocaleError, ValueError):
        return format_decimal(amount, locale="en")


@lru_cache(maxsize=1024)
def _long_date(day: dt.date, lang: str) -> str:
    try:
        return format_date(day, format="long", locale=Locale.parse(lang))
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="en")


class Composer:
    def __init__(self, site: SiteConfig, content: Content, now: Callable[[], dt.datetime],
                 templates: Path | None = None, unsubscribe: Signer | None = None, dkim: DkimSigner | None = None):
        self.site = site
        self.dkim = dkim  # None: site.yml has no notifier.dkim, and messages go unsigned
        self.signer = unsubscribe  # None: no receiver configured, so no unsubscribe link at all
        self.config = site.notifier
        self.content = content
        self.now = now
        folder = self.folder = templates or _template_folder(site)
        self.catalog = Catalog(folder / "strings")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=jinja2.select_autoescape(["html.j2"], default_for_string=False, default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.text_template = self.env.get_template("message.md.j2")
        self.html_template = self.env.get_template("message.html.j2")
        self.tip_template = self.env.get_template("items/tip.md.j2")
        self.reminder_template = self.env.get_template("items/reminder.md.j2")
        self.sponsorship_template = self.env.get_template("items/sponsorship.md.j2")
        self.sender = address(self.config.sender.name, self.config.sender.email)
        self.reply_to = _maybe(self.config.reply_to)
        self.team = _maybe(self.config.rewards_team)
        self.from_line = address_header("From", [self.sender])  # the same for every message
        self.reply_to_line = address_header("Reply-To", [self.reply_to]) if self.reply_to else ""

    def compose(self, envelope: Envelope) -> Composed:
        partner, recipient = envelope.partner, envelope.recipient
        lang = self.catalog.language(recipient.language)
        html_blocks = [markdown_to_html(self._item_markdown(envelope, item, lang, markdown_text))
                       for item in envelope.items]
        subject = self._subject(envelope, lang)
        page_url = self.page_url(partner, lang)
        footer = {
            "why": self._t(lang, "footer.why" if recipient.is_contact else "footer.why_account",
                           partner=partner.name),
            "page_label": self._t(lang, "footer.page"),
            "page_url": page_url,
            "edit_label": self._t(lang, "footer.edit"),
            "edit_url": self.site.edit_link(partner.source),
            "unsubscribe_label": self._t(lang, "footer.unsubscribe"),
            "unsubscribe_url": self.unsubscribe_url(envelope) if envelope.has_tip else None,
            # Reminders are the program's obligations: no unsubscribing, but how to have them go elsewhere.
            "obligation": self._t(lang, "footer.obligation" if recipient.is_contact else "footer.obligation_account")
            if any(i.escalation is not None for i in envelope.items) else None,
        }
        count = len(html_blocks)
        context = {
            "lang": lang,
            "subject": subject,
            "greeting": self._t(lang, "greeting", name=recipient.name or partner.name),
            "intro": self._t(lang, "intro.one" if count == 1 else "intro.many", partner=partner.name, count=count),
            "footer": footer,
        }
        # The text part is plain text read from the same sanitised HTML, wrapped at 78 columns (plaintext.py).
        text = self.text_template.render(blocks=[html_to_text(b) for b in html_blocks], **_wrapped(context))
        html = self.html_template.render(blocks=html_blocks, **context)

        to = address(recipient.name, recipient.email)
        recipients = [recipient.email]
        headers = [self.from_line, address_header("To", [to])]
        if envelope.copy_team and self.team is not None:
            headers.append(address_header("Cc", [self.team]))
            recipients.append(self.team.addr_spec)
        headers += [
            self.reply_to_line,
            text_header("Subject", subject),
            f"Date: {format_datetime(self.now())}\r\n",
            f"Message-ID: {safe(envelope.message_id)}\r\n",
            "Auto-Submitted: auto-generated\r\n",
        ]
        if footer["unsubscribe_url"] and envelope.only_tips:  # a mailbox's button must not stop reminders
            headers.append(POLICY.header_factory("List-Unsubscribe", f"<{footer['unsubscribe_url']}>")
                           .fold(policy=POLICY))
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        headers.append(text_header("Content-Language", lang))
        headers.append(text_header("X-Rewards-Items", ", ".join(item.key.kind for item in envelope.items)))
        data = multipart_alternative(headers, text, html, envelope.message_id)
        check_structure(data, [*(line.split(":", 1)[0] for line in headers if line), "MIME-Version", "Content-Type"],
                        [to.addr_spec, *recipients[1:]])
        if self.dkim is not None:  # the last step: the signature covers the exact bytes that are sent
            data = self.dkim.sign(data)
        return Composed(envelope, data, self.sender.addr_spec, tuple(recipients))

    # --- values computed for the templates -----------------------------------------------------

    def page_url(self, partner: Partner, lang: str) -> str:
        """The partner page in the mail's language, where the site has it (Korean mail, /ko/ pages)."""
        languages = self.site.languages
        shown = lang if lang in languages else languages[0]
        return self.site.base_url + quote(urls.lang_prefix(shown, languages[0]) + urls.partner(partner.id))

    def unsubscribe_url(self, envelope: Envelope) -> str | None:
        """The signed link that stops this contact's tips (notifier/unsubscribe.py), if a receiver is set up."""
        if self.signer is None or not envelope.recipient.is_contact:
            return None
        return self.signer.link(envelope.partner.id, envelope.recipient.email, language=envelope.recipient.language)

    def _t(self, lang: str, key: str, **values: object) -> str:
        return self.catalog.get(lang, key, **values)

    def _names(self, envelope: Envelope, item: Item, lang: str, text: Callable[[str], str] = str) -> dict[str, object]:
        """The values a string's placeholders take; `text` makes content's words safe where they go."""
        esc = item.escalation
        assert esc is not None
        partner = envelope.partner
        offer = partner.offer(esc.offer_id) if esc.offer_id else None
        titles = [b.title_in(lang) if (b := self.content.benefits.get(bid)) else bid for bid in esc.benefits]
        return {
            "partner": text(partner.name),
            "offer": text(offer.name if offer else esc.offer_id or ""),
            "benefit": text(", ".join(titles)),  # one benefit, or an offer's expiring benefits named together
            "days": esc.days,
            "date": _long_date(esc.since, lang),  # live, activation, expiry or deadline date
            "window": self.content.program.timing.contact_within_days,
        }

    def _item_markdown(self, envelope: Envelope, item: Item, lang: str, text: Callable[[str], str] = str) -> str:
        """One item's Markdown. Names and titles are text, not Markdown: for the HTML part `text` is
        `markdown_text`, so a title like "[Pay here](https://...)" or "<img src=...>" shows as written."""
        if item.tip is not None:
            label_key = "getting-started.label" if item.tip.getting_started else "tip.label"
            return self.tip_template.render(
                label=self._t(lang, label_key), title=text(item.tip.title_in(lang)),
                body=item.tip.body_in(lang).strip(),
            ).strip()
        if item.sponsorship is not None:
            return self._sponsorship_markdown(envelope, item.sponsorship, lang, text)
        esc = item.escalation
        assert esc is not None
        kind = esc.kind.value
        names = self._names(envelope, item, lang, text)
        link = self.content.program.support_ticket_url if kind == "open-ticket" else (
            self.site.edit_link(envelope.partner.source) if kind == "assign-contact"
            else self.page_url(envelope.partner, lang)
        )
        return self.reminder_template.render(
            title=self._t(lang, f"{kind}.title", **names),
            body=self._t(lang, f"{kind}.body", **names),
            action=self._t(lang, f"{kind}.action", **names),
            link=link,
            reminder_note=self._t(lang, "reminder.nth", n=item.reminder) if item.reminder > 1 else "",
            escalated_note=self._t(lang, "reminder.escalated") if envelope.copy_team and item.level >= 2 else "",
        ).strip()

    def _sponsorship_markdown(self, envelope: Envelope, sponsor: SponsorshipStanding, lang: str,
                              text: Callable[[str], str]) -> str:
        """The sponsorship mail: the tier reached, each sponsorship's amount there (from the content)."""
        names = {"partner": text(envelope.partner.name), "tier": text(sponsor.tier.name_in(lang))}
        grants = [self._t(lang, "sponsorship.grant", benefit=text(g.benefit.title_in(lang)),
                          amount=text(f"{g.unit} {_amount(g.amount, lang)}")) for g in sponsor.grants]
        return self.sponsorship_template.render(
            title=self._t(lang, "sponsorship.title", **names), body=self._t(lang, "sponsorship.body", **names),
            grants=grants, use=self._t(lang, "sponsorship.use", **names),
            action=self._t(lang, "sponsorship.action", **names), link=self.page_url(envelope.partner, lang),
        ).strip()

    def _subject(self, envelope: Envelope, lang: str) -> str:
        partner = envelope.partner
        item = envelope.items[0]  # the most urgent first (planning orders a digest so)
        if item.sponsorship is not None:
            tier = item.sponsorship.tier.name_in(lang)
            subject = self._t(lang, "subject.sponsorship", partner=partner.name, tier=tier)
            if len(envelope.items) > 1:
                subject = self._t(lang, "subject.more", subject=subject, count=len(envelope.items) - 1)
        elif len(envelope.items) > 1 and item.escalation is not None:
            # A digest's subject names its most urgent action, not "2 updates".
            first = self._t(lang, f"subject.{item.escalation.kind.value}", **self._names(envelope, item, lang))
            subject = self._t(lang, "subject.more", subject=first, count=len(envelope.items) - 1)
        elif len(envelope.items) > 1:
            subject = self._t(lang, "subject.digest", partner=partner.name, count=len(envelope.items))
        else:
            if item.tip is not None:
                key = "subject.getting-started" if item.tip.getting_started else "subject.tip"
                subject = self._t(lang, key, title=item.tip.title_in(lang))
            else:
                assert item.escalation is not None
                subject = self._t(lang, f"subject.{item.escalation.kind.value}",
                                  **self._names(envelope, item, lang))
        if envelope.copy_team:
            subject = self._t(lang, "subject.escalated", subject=subject)
        return subject


def _wrapped(context: dict[str, Any]) -> dict[str, Any]:
    """The sentences of the text part wrapped at 78 columns (the HTML part flows them itself)."""
    footer = context["footer"]
    return {**context, "greeting": paragraphs(context["greeting"]), "intro": paragraphs(context["intro"]),
            "footer": {**footer, "why": paragraphs(footer["why"]),
                       "obligation": paragraphs(footer["obligation"]) if footer["obligation"] else None}}


def _maybe(mailbox: Mailbox | None) -> Address | None:
    return address(mailbox.name, mailbox.email) if mailbox else None


def _template_folder(site: SiteConfig) -> Path:
    """The site's own templates/email if it has one, else the templates shipped with the notifier."""
    folder = site.templates_dir / "email"
    return folder if (folder / "message.md.j2").exists() else PACKAGED_TEMPLATES


