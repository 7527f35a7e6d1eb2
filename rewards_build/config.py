"""site.yml as typed configuration. The schema (schemas/site.schema.json) says what is allowed;
this module turns a validated mapping into records with the defaults applied and paths resolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Mailbox:
    email: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    tls: str = "starttls"  # none | starttls | implicit
    user: str | None = None
    password_env: str | None = None  # the password itself never lives in a file
    timeout_seconds: float = 30.0
    connections: int = 2
    pipelining: bool = True  # RFC 2920, used only when the server advertises it


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    sender: Mailbox
    smtp: SmtpConfig
    ledger: Path
    message_id_domain: str
    outbox: Path
    reply_to: Mailbox | None = None
    rewards_team: Mailbox | None = None
    unsubscribe_url: str | None = None
    cadence_days: int = 14
    reminder_interval_days: int = 7
    reminders_before_escalation: int = 2
    rate_limit_per_second: float = 50.0
    retries: int = 3


@dataclass(frozen=True, slots=True)
class SiteConfig:
    path: Path  # the site.yml file itself
    root: Path  # the folder holding site.yml; relative paths start here
    title: str
    base_url: str  # always ends with "/"
    content_dir: Path
    templates_dir: Path
    output_dir: Path
    edit_url: str  # always ends with "/"
    languages: tuple[str, ...]
    mask_contacts: bool
    notifier: NotifierConfig

    def edit_link(self, content_relative: str) -> str:
        """The repository editor's address for a content file, e.g. partners/contoso.yml."""
        rel = (self.content_dir / content_relative).relative_to(self.root).as_posix()
        return self.edit_url + rel


def _mailbox(data: dict[str, Any] | None) -> Mailbox | None:
    return Mailbox(email=data["email"], name=data.get("name")) if data else None


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def site_config_from(data: dict[str, Any], path: Path) -> SiteConfig:
    """Build the configuration from a mapping that already passed site.schema.json."""
    root = path.resolve().parent
    n = data["notifier"]
    smtp = n["smtp"]
    notifier = NotifierConfig(
        sender=_mailbox(n["sender"]),  # type: ignore[arg-type]
        smtp=SmtpConfig(
            host=smtp["host"],
            port=smtp["port"],
            tls=smtp.get("tls", "starttls"),
            user=smtp.get("user"),
            password_env=smtp.get("password_env"),
            timeout_seconds=float(smtp.get("timeout_seconds", 30)),
            connections=smtp.get("connections", 2),
            pipelining=smtp.get("pipelining", True),
        ),
        ledger=root / n["ledger"],
        message_id_domain=n["message_id_domain"],
        outbox=root / n.get("outbox", "_outbox"),
        reply_to=_mailbox(n.get("reply_to")),
        rewards_team=_mailbox(n.get("rewards_team")),
        unsubscribe_url=n.get("unsubscribe_url"),
        cadence_days=n.get("cadence_days", 14),
        reminder_interval_days=n.get("reminder_interval_days", 7),
        reminders_before_escalation=n.get("reminders_before_escalation", 2),
        rate_limit_per_second=float(n.get("rate_limit_per_second", 50)),
        retries=n.get("retries", 3),
    )
    return SiteConfig(
        path=path.resolve(),
        root=root,
        title=data["title"],
        base_url=_slash(data["base_url"]),
        content_dir=root / data.get("content_dir", "content"),
        templates_dir=root / data.get("templates_dir", "templates"),
        output_dir=root / data["output_dir"],
        edit_url=_slash(data["edit_url"]),
        languages=tuple(data["languages"]),
        mask_contacts=data.get("privacy", {}).get("mask_contacts", True),
        notifier=notifier,
    )
