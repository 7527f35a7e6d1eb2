"""How people's details show where the public can read them (the site, a pull-request comment)."""

from __future__ import annotations


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_phone(phone: str) -> str:
    digits = phone.replace(" ", "")
    return digits[:2] + "•" * max(0, len(digits) - 4) + digits[-2:]
