"""Generate a content tree of N partners of realistic shape, for the benchmarks.

The program, benefits, tips and toolkit are the example content's; each partner has 1 to 5 offers
(3 on average, so 10,000 partners make about 30,000 offers), 0 to 3 marketing contacts (about 2 on
average), legal activations, team contacts and the occasional opt-out, and every file validates.

    python bench/generate.py DEST N [--today YYYY-MM-DD] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA_LINE = "# yaml-language-server: $schema=../../rewards_build/schemas/partner.schema.json\n"

# Benefits any live offer of the type can activate: no tier above Publisher and no conditions.
OPEN_BENEFITS = {
    "list": ["co-sell-guidance", "listing-optimization", "marketing-toolkit", "partner-marketing-center",
             "readiness-assessments", "self-serve-digital-marketing"],
    "trial": ["co-sell-guidance", "listing-optimization", "marketing-toolkit", "partner-marketing-center",
              "readiness-assessments", "self-serve-digital-marketing"],
    "transact": ["co-sell-guidance", "listing-optimization", "marketing-toolkit", "partner-marketing-center",
                 "readiness-assessments", "self-serve-digital-marketing", "selling-through-partners"],
}
WORDS = ["Cloud", "Data", "Insight", "Flow", "Secure", "Edge", "Smart", "Sync", "Vault", "Pulse", "Atlas", "Nova",
         "Orbit", "Quant", "Relay", "Summit", "Harbor", "Beacon", "Vector", "Prism"]
FIRST = ["Ana", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kim", "Lena", "Mina", "Noah"]
LAST = ["Park", "Smith", "Garcia", "Kim", "Lee", "Novak", "Okafor", "Rossi", "Silva", "Tanaka", "Weber", "Young"]
KOREAN = ["김민준", "이서연", "박지훈", "최유진", "정하늘"]
SALES = [0, 200, 800, 3_000, 12_000, 30_000, 60_000, 140_000, 700_000, 1_500_000, 4_500_000]


def _partner(i: int, rng: random.Random, today: dt.date) -> str:
    pid = f"partner-{i:06d}"
    domain = f"{pid}.example"
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
    lines = [SCHEMA_LINE, f"id: {pid}\n", f"name: {name}\n", f'mpn_id: "{1_000_000 + i}"\n',
             f"account_email: partner-center@{domain}\n", "offers:\n"]
    offers = []
    for j in range(rng.choice([1, 2, 3, 3, 4, 5])):
        kind = rng.choice(["list", "trial", "transact", "transact"])
        status = rng.choices(["live", "draft", "delisted"], weights=[85, 10, 5])[0]
        oid = f"{pid}-o{j}"
        lines += [f"  - id: {oid}\n", f"    name: {rng.choice(WORDS)} {rng.choice(WORDS)} Suite\n",
                  f"    listing_type: {kind}\n", f"    status: {status}\n"]
        live = None
        if status != "draft":
            live = today - dt.timedelta(days=rng.randint(3, 700))
            lines.append(f"    live_date: {live.isoformat()}\n")
        owner = rng.choices(["active", "left", "unknown"], weights=[85, 8, 7])[0]
        lines.append(f"    owner: {{name: {rng.choice(FIRST)} {rng.choice(LAST)}, email: owner{j}@{domain}, "
                     f"status: {owner}}}\n")
        if kind == "transact":
            lines.append(f"    billed_sales_usd: {rng.choice(SALES)}\n")
        lines.append(f"    listing_optimization_done: {str(rng.random() < 0.5).lower()}\n")
        offers.append((oid, kind, status, live))
    n_contacts = rng.choices([0, 1, 2, 3], weights=[10, 25, 35, 30])[0]
    if n_contacts:
        lines.append("marketing_contacts:\n")
        for c in range(n_contacts):
            korean = rng.random() < 0.15
            person = rng.choice(KOREAN) if korean else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            phone = f"+82 2 {rng.randint(2000, 9999)} {rng.randint(1000, 9999)}" if korean else \
                f"+1 425 555 {rng.randint(100, 199):04d}"
            lines += [f"  - name: {person}\n", f"    email: contact{c}@{domain}\n", f'    phone: "{phone}"\n',
                      f"    language: {'ko' if korean else 'en'}\n"]
    activations, contacts = [], []
    for oid, kind, status, live in offers:
        if status != "live" or live is None or not n_contacts:
            continue
        for benefit in rng.sample(OPEN_BENEFITS[kind], k=rng.randint(0, 2)):
            date = live + dt.timedelta(days=rng.randint(0, max(0, (today - live).days)))
            activations.append(f"  - {{benefit: {benefit}, offer: {oid}, date: {date.isoformat()}}}\n")
            if rng.random() < 0.7 and date + dt.timedelta(days=3) <= today:
                contacts.append(f"  - {{date: {(date + dt.timedelta(days=3)).isoformat()}, about: activation, "
                                f"offer: {oid}, benefit: {benefit}}}\n")
        if rng.random() < 0.6 and live + dt.timedelta(days=5) <= today:
            contacts.append(f"  - {{date: {(live + dt.timedelta(days=5)).isoformat()}, about: offer-live, "
                            f"offer: {oid}, note: Welcome call}}\n")
    if activations:
        lines += ["activations:\n", *activations]
    if contacts:
        lines += ["team_contacts:\n", *contacts]
    if rng.random() < 0.03:
        lines += ["opt_outs:\n", f"  - {{date: {today.isoformat()}, note: Asked to stop program mail}}\n"]
    return "".join(lines)


def generate(dest_dir: Path, n_partners: int, today: dt.date, seed: int = 0) -> Path:
    """Write site.yml and content/ with n_partners partners under dest_dir; return the site.yml path."""
    dest_dir = Path(dest_dir)
    content = dest_dir / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in ("benefits", "tips", "toolkit"):
        shutil.copytree(REPO / "content" / folder, content / folder)
    shutil.copy2(REPO / "content" / "program.yml", content / "program.yml")
    site = (REPO / "site.yml").read_text(encoding="utf-8")
    site = site.replace("templates_dir: templates", f"templates_dir: {REPO / 'templates'}")
    (dest_dir / "site.yml").write_text(site, encoding="utf-8")
    partners = content / "partners"
    partners.mkdir()
    rng = random.Random(seed)
    for i in range(n_partners):
        (partners / f"partner-{i:06d}.yml").write_text(_partner(i, rng, today), encoding="utf-8")
    return dest_dir / "site.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(generate(args.dest, args.n, args.today, args.seed))


if __name__ == "__main__":
    main()
