"""Malformed and hostile content: each case breaks one file one way, and the reviewer must read the exact
file, line, column and message that says what was found and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewards_build.pipeline import load_all
from tests.conftest import TODAY

ACME = "content/partners/acme.yml"


def replace(old: str, new: str, path: str = ACME):
    def change(root: Path) -> None:
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"fixture has no {old!r}"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


def write(path: str, data: str | bytes):
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return change


def remove(path: str):
    return lambda root: (root / path).unlink()


CASES = [
    # --- YAML traps ---------------------------------------------------------------------------
    ("duplicate-key", replace("name: Acme Software\n", "name: Acme Software\nname: Acme Again\n"),
     [f"{ACME}:3:1: duplicate key 'name' (first at line 2); YAML would keep only the last one: remove one of them"]),
    # YAML 1.1 (us) and YAML 1.2 (editors, check-jsonschema) read these differently: refused, even quoted,
    # since a JSON Schema tool sees the text and not the quotes (tests/validate/test_yaml_versions.py).
    ("norwegian-no", replace("language: en", "language: no"),
     [f"{ACME}:23:15: marketing_contacts[0].language: found no, which YAML 1.1 reads as the boolean false and YAML "
      "1.2 (editors, check-jsonschema) as text, so tools disagree on it; it is not allowed here even quoted; "
      "expected a BCP 47 language tag such as en, ko or ko-KR"]),
    ("yaml-on", replace("language: en", "language: on"),
     [f"{ACME}:23:15: marketing_contacts[0].language: found on, which YAML 1.1 reads as the boolean true and YAML "
      "1.2 (editors, check-jsonschema) as text, so tools disagree on it; it is not allowed here even quoted; "
      "expected a BCP 47 language tag such as en, ko or ko-KR"]),
    ("quoted-yaml-1.1-word", replace("name: Bo Contact", 'name: "Yes"'),
     [f"{ACME}:20:11: marketing_contacts[0].name: found the text 'Yes', which unquoted is the boolean true in YAML "
      "1.1; editors and check-jsonschema cannot tell quoted from unquoted, so it is not allowed here; expected one "
      "line of text without control characters (it can reach an email header)"]),
    ("yaml-yes-for-a-boolean", replace("listing_optimization_done: true", "listing_optimization_done: yes"),
     [f"{ACME}:13:32: offers[0].listing_optimization_done: expected true or false, found yes, which YAML 1.1 reads "
      "as the boolean true and YAML 1.2 (editors, check-jsonschema) as text, so tools disagree on it: write true"]),
    ("yaml-n-for-a-boolean", replace("listing_optimization_done: true", "listing_optimization_done: N"),
     [f"{ACME}:13:32: offers[0].listing_optimization_done: expected true or false, found N, which YAML 1.1 reads "
      "as the boolean false and YAML 1.2 (editors, check-jsonschema) as text, so tools disagree on it: write false"]),
    ("octal-number", replace("billed_sales_usd: 30000", "billed_sales_usd: 030000"),
     [f"{ACME}:12:23: 030000 is the number 12288 in YAML 1.1 (octal) and 30000 in YAML 1.2, so tools disagree on "
      "it: write the number without leading zeros"]),
    ("sexagesimal-number", replace("billed_sales_usd: 30000", "billed_sales_usd: 1:30"),
     [f"{ACME}:12:23: offers[0].billed_sales_usd: expected a whole number, found 1:30, which YAML 1.1 reads as the "
      "number 90 and YAML 1.2 (editors, check-jsonschema) as text, so tools disagree on it: write 90"]),
    ("octal-id", replace('mpn_id: "1234567"', "mpn_id: 0755"),
     [f"{ACME}:3:9: mpn_id: expected the partner ID (MPN ID): 5 to 10 digits, quoted, found the number 493 "
      "(YAML reads the unquoted 0755 as the number 493; if you mean the text, quote it: \"0755\")"]),
    ("sexagesimal", replace("date: 2026-02-01", "date: 1:30"),
     [f"{ACME}:27:11: activations[0].date: found 1:30, which YAML 1.1 reads as the number 90 and YAML 1.2 (editors, "
      "check-jsonschema) as text, so tools disagree on it; it is not allowed here even quoted; expected a date "
      "written YYYY-MM-DD"]),
    ("unquoted-number", replace('mpn_id: "1234567"', "mpn_id: 1234567"),
     [f"{ACME}:3:9: mpn_id: expected the partner ID (MPN ID): 5 to 10 digits, quoted, found the number 1234567 "
      "(if you mean the text, quote it: \"1234567\")"]),
    ("words-for-date", replace("live_date: 2026-01-10", "live_date: 10 January 2026"),
     [f"{ACME}:10:16: offers[0].live_date: found the text '10 January 2026'; expected a date written YYYY-MM-DD"]),
    ("impossible-date", replace("live_date: 2026-01-10", "live_date: 2026-02-30"),
     [f"{ACME}:10:16: offers[0].live_date: 2026-02-30 is not a calendar date"]),
    ("future-date", replace("date: 2026-02-01", "date: 2026-12-01"),
     [f"{ACME}:27:11: activations[0].date: 2026-12-01 is in the future (today is 2026-11-24); this date records "
      "something that already happened"]),
    ("tab-indent", replace("  - id: acme-app", "\t- id: acme-app"),
     [f"{ACME}:6:1: tab character in indentation; YAML indents with spaces only"]),
    ("bom", write(ACME, b"\xef\xbb\xbfid: acme\n"),
     [f"{ACME}:1:1: file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"]),
    ("latin-1", write(ACME, b"id: acme\nname: Acme Caf\xe9\n"),
     [f"{ACME}:2:15: byte 0xe9 is not valid UTF-8; save the file as UTF-8"]),
    ("empty-file", write(ACME, ""),
     [f"{ACME}:1:1: file is empty; expected a mapping of keys to values"]),
    ("comments-only", write(ACME, "# nothing yet\n"),
     [f"{ACME}:1:1: file is empty; expected a mapping of keys to values"]),
    ("alias-bomb", write(ACME, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                               "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                               "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"),
     [f"{ACME}:1:4: the value anchored here (line 1) is reused by an alias; anchors and aliases (&name, *name) are "
      "not allowed in content: write each value out in full"]),
    ("deep-brackets", write(ACME, "id: acme\nnote: " + "[" * 150_000 + "]" * 150_000 + "\n"),
     [f"{ACME}:2:107: brackets nested more than 100 levels deep; content never needs this"]),
    ("python-tag", replace("name: Acme Software", "name: !!python/object:os.system echo"),
     [f"{ACME}:2:7: the tag tag:yaml.org,2002:python/object:os.system is not allowed in content; remove it"]),
    ("merge-key", replace("owner: {name: Ana Owner, email: ana@acme.test, status: active}",
                          "owner:\n      <<: {status: active}\n      name: Ana Owner"),
     [f"{ACME}:12:7: merge keys (<<) are not allowed in content: write the keys out",
      f"{ACME}:12:7: missing required key 'status' in offers[0].owner"]),
    ("oversized", write(ACME, "id: acme\nnote: " + "x" * 1_000_001 + "\n"),
     [f"{ACME}:1:1: file is 1,000,017 bytes; content files are limited to 1,000,000 bytes"]),
    ("unclosed-quote", replace('name: Acme Software', 'name: "Acme Software'),
     [f"{ACME}:3:10: YAML syntax error: did not find expected key; check the quotes, brackets and indentation here "
      "and on the line above"]),
    ("colon-in-value", replace("name: Acme Software", "name: Acme: Software"),
     [f"{ACME}:2:11: YAML syntax error: mapping values are not allowed in this context; a value containing ': ' must be "
      "quoted"]),
    ("top-level-list", write(ACME, "- id: acme\n"),
     [f"{ACME}:1:1: expected a mapping of keys to values at the top level, found list"]),
    ("key-not-text", replace("name: Acme Software", "1: Acme Software"),
     [f"{ACME}:2:1: key '1' must be text; quote it: \"1\"",
      f"{ACME}:1:1: missing required key 'name' in (top level)"]),
    ("raw-control-byte", replace("name: Acme Software", "name: Acme\x07Software"),
     [f"{ACME}:2:11: control character U+0007 is not allowed in YAML; remove it"]),
    # --- Hostile strings that could reach an email header ------------------------------------
    ("escaped-bell", replace("name: Acme Software", 'name: "Acme\\aSoftware"'),
     [f"{ACME}:2:7: name: contains the control character U+0007; expected one line of text without control "
      "characters (it can reach an email header)"]),
    ("header-injection", replace("name: Bo Contact", 'name: "Bo\\r\\nBcc: victim@evil.test"'),
     [f"{ACME}:20:11: marketing_contacts[0].name: contains the control character U+000D; expected one line of "
      "text without control characters (it can reach an email header)"]),
    ("line-separator", replace("name: Acme App", 'name: "Acme\\u2028App"'),
     [f"{ACME}:7:11: offers[0].name: contains the control character U+2028; expected one line of text without "
      "control characters (it can reach an email header)"]),
    ("email-with-newline", replace("email: bo@acme.test", 'email: "bo@acme.test\\nBcc: x@evil.test"'),
     [f"{ACME}:21:12: marketing_contacts[0].email: found the text 'bo@acme.test\\nBcc: x@evil.test'; expected "
      "an email address such as name@example.com"]),
    # --- Schema -----------------------------------------------------------------------------------
    ("unknown-key", replace("listing_type: trial", "listing_type: trial\n    nmae: typo"),
     [f"{ACME}:17:5: unknown key 'nmae' in offers[1]; did you mean 'name'? allowed keys: billed_sales_usd, byol, "
      "co_sell_ready, id, listing_optimization_done, listing_type, live_date, marketplace, name, owner, private, "
      "status"]),
    ("missing-key", replace("    listing_type: trial\n", ""),
     [f"{ACME}:14:5: missing required key 'listing_type' in offers[1]"]),
    ("enum-typo", replace("status: live\n    live_date: 2026-06-01", "status: liv\n    live_date: 2026-06-01"),
     [f"{ACME}:17:13: offers[1].status: found the text 'liv'; allowed: draft, live, delisted; did you mean "
      "'live'?"]),
    ("contacts-not-list", replace('marketing_contacts:\n  - name: Bo Contact\n    email: bo@acme.test\n'
                                  '    phone: "+1 425 555 0142"\n    language: en\n', "marketing_contacts: Bo Contact\n"),
     [f"{ACME}:19:21: marketing_contacts: expected a list, found the text 'Bo Contact'"]),
    ("four-contacts", replace("marketing_contacts:\n", "marketing_contacts:\n" + "".join(
        f"  - {{name: C{i}, email: c{i}@acme.test, phone: \"+1 425 555 014{i}\", language: en}}\n"
        for i in range(3))),
     [f"{ACME}:20:3: marketing_contacts: has 4 entries; at most 3 allowed"]),
    ("negative-sales", replace("billed_sales_usd: 30000", "billed_sales_usd: -5"),
     [f"{ACME}:12:23: offers[0].billed_sales_usd: found the number -5; must be at least 0"]),
    ("duplicate-listing-type", replace("listing_types: [list, trial, transact]", "listing_types: [list, list]",
                                       "content/benefits/toolkit.yml"),
     ["content/benefits/toolkit.yml:4:16: listing_types: 'list' is listed more than once"]),
    # --- Cross-file rules -------------------------------------------------------------------------
    ("id-not-file-name", replace("id: acme\n", "id: acme-inc\n"),
     [f"{ACME}:1:5: id: 'acme-inc' must equal the file name 'acme'"]),
    ("offer-id-taken", write("content/partners/zeta.yml", "id: zeta\nname: Zeta\nmpn_id: \"7654321\"\n"
                             "account_email: pc@zeta.test\noffers:\n  - {id: acme-app, name: Z, listing_type: list, "
                             "status: draft}\n"),
     ["content/partners/zeta.yml:6:10: offers[0].id: offer id 'acme-app' is already used by partner 'acme'; offer "
      "ids are unique across partners"]),
    ("unknown-benefit", replace("benefit: blog-feature\n    offer: acme-app\n    date: 2026-02-01",
                                "benefit: blog-featured\n    offer: acme-app\n    date: 2026-02-01"),
     [f"{ACME}:25:14: activations[0].benefit: no benefit 'blog-featured' in content/benefits/"]),
    ("unknown-offer", replace("offer: acme-app\n    date: 2026-02-01", "offer: acme-ap\n    date: 2026-02-01"),
     [f"{ACME}:26:12: activations[0].offer: no offer 'acme-ap' in this file; offers: acme-app, acme-trial"]),
    ("wrong-listing-type", replace("offer: acme-app\n    date: 2026-02-01", "offer: acme-trial\n    date: 2026-06-02"),
     [f"{ACME}:25:14: activations[0].benefit: 'blog-feature' is not offered to trial offers ('acme-trial' is "
      "trial; the benefit is for transact)"]),
    ("tier-not-reached", replace("billed_sales_usd: 30000", "billed_sales_usd: 300"),
     [f"{ACME}:25:14: activations[0].benefit: 'blog-feature' unlocks at tier $25K ($25,000 billed sales); this "
      "partner has $300"]),
    ("condition-not-met", replace("benefit: blog-feature\n    offer: acme-app\n    date: 2026-02-01",
                                  "benefit: spotlight\n    offer: acme-app\n    date: 2026-02-01"),
     [f"{ACME}:25:14: activations[0].benefit: 'spotlight' requires co-sell readiness (co_sell_ready: true), which "
      "offer 'acme-app' does not meet"]),
    ("no-contact-to-activate", replace('marketing_contacts:\n  - name: Bo Contact\n    email: bo@acme.test\n'
                                       '    phone: "+1 425 555 0142"\n    language: en\n', ""),
     ["content/partners/acme.yml:20:14: activations[0].benefit: sales and marketing benefits can only be "
      "activated once a marketing contact is assigned (marketing_contacts is empty)"]),
    ("activated-before-live", replace("date: 2026-02-01", "date: 2026-01-02"),
     [f"{ACME}:27:11: activations[0].date: 2026-01-02 is before offer 'acme-app' went live (2026-01-10)"]),
    ("completed-before-activated", replace("date: 2026-02-01", "date: 2026-02-01\n    completed: 2026-01-20"),
     [f"{ACME}:28:16: activations[0].completed: 2026-01-20 is before the activation (2026-02-01)"]),
    ("contact-is-account", replace("email: bo@acme.test", "email: PC-Admin@acme.test"),
     [f"{ACME}:21:12: marketing_contacts[0].email: PC-Admin@acme.test is the Partner Center account email; the "
      "marketing contact needs a different, personal address"]),
    ("shared-alias", replace("email: bo@acme.test", "email: marketing@acme.test"),
     [f"{ACME}:21:12: marketing_contacts[0].email: marketing@acme.test is a shared alias (marketing@); mail to "
      "shared mailboxes is lost: give a person's address"]),
    ("noreply-alias", replace("email: bo@acme.test", "email: noreply@acme.test"),
     [f"{ACME}:21:12: marketing_contacts[0].email: noreply@acme.test is a shared alias (noreply@); mail to shared "
      "mailboxes is lost: give a person's address"]),
    ("phone-no-country", replace('phone: "+1 425 555 0142"', 'phone: "425 555 0142"'),
     [f"{ACME}:22:12: marketing_contacts[0].phone: '425 555 0142' must start with + and the country code, e.g. "
      "\"+1 425 555 0100\""]),
    ("phone-too-short", replace('phone: "+1 425 555 0142"', 'phone: "+1 555"'),
     [f"{ACME}:22:12: marketing_contacts[0].phone: '+1 555' is not a valid number for its country"]),
    ("language-kr", replace("language: en", "language: kr"),
     [f"{ACME}:23:15: marketing_contacts[0].language: 'kr' is not a supported language; supported: en, ko ('kr' "
      "is the country code; Korean is 'ko')"]),
    ("language-unsupported", replace("language: en", "language: de-DE"),
     [f"{ACME}:23:15: marketing_contacts[0].language: 'de-DE' is not a supported language; supported: en, ko"]),
    ("language-malformed", replace("language: en", "language: english"),
     [f"{ACME}:23:15: marketing_contacts[0].language: found the text 'english'; expected a BCP 47 language tag "
      "such as en, ko or ko-KR"]),
    ("draft-with-live-date", replace("status: live\n    live_date: 2026-06-01", "status: draft\n    live_date: 2026-06-01"),
     [f"{ACME}:18:16: offers[1].live_date: a draft offer has not gone live; remove live_date or set status: live"]),
    ("live-without-date", replace("    live_date: 2026-06-01\n", ""),
     [f"{ACME}:17:13: offers[1]: a live offer needs its live_date"]),
    ("byol-transact", replace("listing_optimization_done: true", "listing_optimization_done: true\n    byol: true"),
     [f"{ACME}:14:11: offers[0].byol: a BYOL offer counts as list; set listing_type: list (found transact)",
      f"{ACME}:26:14: activations[0].benefit: 'blog-feature' is not offered to list offers ('acme-app' is list; "
      "the benefit is for transact)"]),
    ("sales-on-trial", replace("live_date: 2026-06-01", "live_date: 2026-06-01\n    billed_sales_usd: 10"),
     [f"{ACME}:19:23: offers[1].billed_sales_usd: only transact offers have billed sales (this offer is trial)"]),
    ("team-contact-unknown-offer", replace("about: offer-live\n    offer: acme-app", "about: offer-live\n    offer: acme-x"),
     [f"{ACME}:31:12: team_contacts[0].offer: no offer 'acme-x' in this file; offers: acme-app, acme-trial"]),
    ("technical-request-for-sales-benefit", replace("team_contacts:", "technical_requests:\n  - {benefit: toolkit, "
                                                    "phase: design, date: 2026-03-01, status: submitted}\nteam_contacts:"),
     [f"{ACME}:29:15: technical_requests[0].benefit: 'toolkit' is a sales and marketing benefit; activate it "
      "instead"]),
    ("unknown-unlock-tier", replace("unlock_tier: t25k", "unlock_tier: t50k", "content/benefits/blog-feature.yml"),
     ["content/benefits/blog-feature.yml:5:14: unlock_tier: no tier 't50k' in program.yml; tiers: publisher, t500, "
      "t25k"]),
    ("unknown-quantity-tier", replace("t25k: 15000", "t1m: 15000", "content/benefits/sponsorship.yml"),
     ["content/benefits/sponsorship.yml:9:25: quantity.by_tier: no tier 't1m' in program.yml"]),
    ("unknown-translation-language", replace("ko: {title: 마케팅 툴킷}", "ja: {title: ツールキット}",
                                             "content/benefits/toolkit.yml"),
     ["content/benefits/toolkit.yml:8:3: translations: language 'ja' is not one of the program's languages "
      "(en, ko)"]),
    ("tip-unknown-tier", replace("order: 1", "order: 1\ntiers: [t1m]", "content/tips/offer-name.md"),
     ["content/tips/offer-name.md:5:9: tiers[0]: no tier 't1m' in program.yml; tiers: publisher, t500, t25k"]),
    ("tip-without-front-matter", write("content/tips/bare.md", "# Just a title\n\nNo front matter.\n"),
     ["content/tips/bare.md:1:1: missing front matter: the file must start with a '---' line, the YAML keys, and "
      "a closing '---' line"]),
    ("toolkit-missing-summary", replace("summary: Link to your listing with an official badge.\n", "",
                                        "content/toolkit/badges.md"),
     ["content/toolkit/badges.md:2:1: missing required key 'summary' in (top level)"]),
    ("tiers-not-ascending", replace("threshold_usd: 25000", "threshold_usd: 400", "content/program.yml"),
     ["content/program.yml:5:45: tiers[2].threshold_usd: 400 is not above the tier before (500); list tiers from "
      "lowest to highest"]),
    ("deadline-not-every-year", replace('transact_deadline: "06-30"', 'transact_deadline: "02-29"',
                                        "content/program.yml"),
     ["content/program.yml:10:22: timing.transact_deadline: 02-29 is not a day that exists every year"]),
    ("stray-file", write("content/partners/notes.txt", "hello"),
     ["content/partners/notes.txt:1:1: unexpected file in partners/: partner files are named <id>.yml"]),
    ("yaml-extension", write("content/partners/beta.yaml", "id: beta\n"),
     ["content/partners/beta.yaml:1:1: unexpected file in partners/: partner files are named <id>.yml"]),
    ("pipelining-not-a-boolean", replace("tls: none}", "tls: none, pipelining: 'yes'}", "site.yml"),
     ["site.yml:9:62: notifier.smtp.pipelining: expected true or false, found the text 'yes'"]),
    ("program-missing", remove("content/program.yml"),
     ["content/program.yml:1:1: file not found"]),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reviewer_reads_exact_problem(mini: Path, change, expected: list[str]) -> None:
    change(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == sorted(expected)
    assert result.content is None


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_deep_block_nesting_is_refused_not_crashed(mini: Path) -> None:
    (mini / ACME).write_text("".join(" " * i + "- \n" for i in range(1200)))
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == [
        f"{ACME}:101:101: values nested more than 100 levels deep; content never needs this"]


def test_compact_nesting_on_one_line_is_refused_too(mini: Path) -> None:
    # "- - - x" nests without indenting: the guard counts indicators, not only spaces.
    (mini / ACME).write_text("- " * 150 + "x\n")
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == [
        f"{ACME}:1:201: values nested more than 100 levels deep; content never needs this"]


def test_a_date_where_text_is_expected_stays_the_text_written(mini: Path) -> None:
    # YAML 1.1 would read these as dates and silently change their type; content keeps the author's text.
    replace("name: Acme App", "name: 2026-01-10")(mini)
    replace("name: Bo Contact", "name: 2026-01-10 10:30")(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert result.problems == []
    partner = result.content.partners["acme"]
    assert partner.offers[0].name == "2026-01-10"
    assert partner.contacts[0].name == "2026-01-10 10:30"


def test_every_problem_in_every_file_is_reported_in_one_run(mini: Path) -> None:
    replace("language: en", "language: kr")(mini)
    replace("unlock_tier: t500", "unlock_tier: t9", "content/benefits/sponsorship.yml")(mini)
    write("content/partners/zeta.yml", "id: zeta\n")(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == [
        "content/benefits/sponsorship.yml:5:14: unlock_tier: no tier 't9' in program.yml; tiers: publisher, t500, t25k",
        f"{ACME}:23:15: marketing_contacts[0].language: 'kr' is not a supported language; supported: en, ko ('kr' is "
        "the country code; Korean is 'ko')",
        "content/partners/zeta.yml:1:1: missing required key 'account_email' in (top level)",
        "content/partners/zeta.yml:1:1: missing required key 'mpn_id' in (top level)",
        "content/partners/zeta.yml:1:1: missing required key 'name' in (top level)",
        "content/partners/zeta.yml:1:1: missing required key 'offers' in (top level)",
    ]
