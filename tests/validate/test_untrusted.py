"""Content is untrusted: whoever opens a pull request writes it. Every malformed or hostile file must end
in a located message and exit 1, never a traceback, a hang, or unbounded time or memory; and what a
reviewer sees in a diff must be what the program reads."""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewards_build.pipeline import load_all
from rewards_build.schema_check import SCHEMA_DIR
from tests.conftest import REPO, TODAY

ACME = "content/partners/acme.yml"
TIP = "content/tips/offer-name.md"
BENEFIT = "content/benefits/toolkit.yml"


def problems() -> list[str]:
    result = load_all(Path("site.yml"), TODAY)
    assert result.problems == [] or result.content is None
    return [str(p) for p in result.problems]


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert old in text, f"fixture has no {old!r}"
    target.write_bytes(text.replace(old, new, 1).encode("utf-8"))


def validate_cli(cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`rewards validate` in its own process, with a memory ceiling and a deadline a hang would miss."""
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "rewards_build", "validate", "--today", "2026-11-24"], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


# --- A. What a reviewer sees is what the program reads ------------------------------------------


@pytest.mark.parametrize(("char", "name"), [("\u2028", "LINE SEPARATOR"), ("\u2029", "PARAGRAPH SEPARATOR"),
                                            ("\u0085", "NEXT LINE")])
def test_an_invisible_line_break_in_yaml_is_refused(mini: Path, char: str, name: str) -> None:
    # In a diff this is one comment line; YAML reads a second line that opts the partner out of all mail.
    with (mini / ACME).open("a", encoding="utf-8") as f:
        f.write(f"# Illustrates:{char}opt_outs: [{{date: 2026-01-01}}]\n")
    assert problems() == [
        f"{ACME}:36:15: U+{ord(char):04X} ({name}) is a line break that diffs and editors do not show; remove it, "
        "or write an ordinary line break"]


def test_an_invisible_line_break_in_front_matter_is_refused(mini: Path) -> None:
    edit(mini, TIP, "order: 1", "order: 1 # note\u2028getting_started: true")
    assert problems() == [
        f"{TIP}:4:16: U+2028 (LINE SEPARATOR) is a line break that diffs and editors do not show; remove it, or "
        "write an ordinary line break"]


def test_an_invisible_line_break_in_a_markdown_body_is_refused(mini: Path) -> None:
    edit(mini, TIP, "Your offer name", "안녕\u2029Your offer name")
    assert problems() == [
        f"{TIP}:6:3: U+2029 (PARAGRAPH SEPARATOR) is a line break that diffs and editors do not show; remove it, "
        "or write an ordinary line break"]


def test_old_mac_line_ends_are_refused_where_they_start(mini: Path) -> None:
    text = (mini / ACME).read_text(encoding="utf-8").replace("status: live", "status: liv", 1)
    (mini / ACME).write_bytes(text.replace("\n", "\r").encode("utf-8"))
    assert problems() == [
        f"{ACME}:1:9: carriage return without a line feed (old Mac line ends); save the file with LF line ends"]


def test_a_lone_carriage_return_in_a_windows_file_is_refused_too(mini: Path) -> None:
    text = (mini / ACME).read_text(encoding="utf-8").replace("\n", "\r\n").replace("Acme App\r", "Acme App\r\r")
    (mini / ACME).write_bytes(text.encode("utf-8"))
    assert problems() == [
        f"{ACME}:7:19: carriage return without a line feed (old Mac line ends); save the file with LF line ends"]


def test_windows_line_ends_report_the_line_an_editor_shows(mini: Path) -> None:
    text = (mini / ACME).read_text(encoding="utf-8").replace("status: live", "status: li\x07ve", 1)
    (mini / ACME).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert problems() == [f"{ACME}:9:15: control character U+0007 is not allowed in YAML; remove it"]


def test_windows_line_ends_in_front_matter_report_the_line_an_editor_shows(mini: Path) -> None:
    text = (mini / TIP).read_text(encoding="utf-8").replace("order: 1", "order: x")
    (mini / TIP).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert problems() == [f"{TIP}:4:8: order: expected a whole number, found the text 'x'"]


def test_columns_count_characters_after_korean_text_in_bytes_that_are_not_utf8(mini: Path) -> None:
    # An editor puts the cursor on the 13th character; the byte offset would say 17.
    raw = (mini / ACME).read_bytes().replace(b"name: Acme Software", "name: 한국 Caf".encode() + b"\xe9", 1)
    (mini / ACME).write_bytes(raw)
    assert problems() == [f"{ACME}:2:13: byte 0xe9 is not valid UTF-8; save the file as UTF-8"]


def test_columns_count_characters_after_korean_text_in_yaml(mini: Path) -> None:
    edit(mini, ACME, "name: Acme Software", "name: 한국어 소프트웨어 {a: b}")
    assert problems() == [f"{ACME}:2:19: YAML syntax error: mapping values are not allowed in this context; a value "
                          "containing ': ' must be quoted"]


def test_columns_count_characters_after_korean_text_in_markdown(mini: Path) -> None:
    edit(mini, TIP, "Your offer name", "제목 " + "[" * 11 + "Your offer name")
    assert problems() == [
        f"{TIP}:6:14: more than 10 unclosed '[' or link '(' in one paragraph; close each one, or escape it "
        "with a backslash (\\[, \\(): Markdown takes time for every unclosed bracket"]


# --- B. Bounded time and memory: what is read --------------------------------------------------


def test_a_named_pipe_is_refused_not_waited_on(mini: Path) -> None:
    os.mkfifo(mini / "content/partners/pipe.yml")
    run = validate_cli(mini, timeout=30)
    assert run.returncode == 1
    assert run.stdout == ("content/partners/pipe.yml:1:1: is a named pipe (FIFO), not a regular file; content files "
                          "must be regular files\n")


def test_a_socket_is_refused(mini: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(mini / "content/partners/sock.yml"))
        assert problems() == ["content/partners/sock.yml:1:1: is a socket, not a regular file; content files must "
                              "be regular files"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_symlink_to_an_endless_device_is_refused_in_bounded_memory(mini: Path, device: str) -> None:
    (mini / "content/partners/zero.yml").symlink_to(device)
    run = validate_cli(mini, timeout=30)
    assert run.returncode == 1, run.stderr
    assert run.stdout == (f"content/partners/zero.yml:1:1: symbolic link to {device}, outside the repository (the "
                          "folder of site.yml); content files must be inside it\n")


def test_a_chain_of_symlinks_is_followed_to_its_end(mini: Path) -> None:
    os.symlink("/dev/null", mini / "null-device")
    (mini / "content/partners/null.yml").symlink_to(mini / "null-device")
    assert problems() == ["content/partners/null.yml:1:1: symbolic link to /dev/null, outside the repository (the "
                          "folder of site.yml); content files must be inside it"]


def test_a_symlink_to_a_file_outside_the_repository_is_refused(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yml"
    outside.write_text((mini / ACME).read_text(encoding="utf-8").replace("id: acme", "id: leak"))
    (mini / "content/partners/leak.yml").symlink_to(outside)
    assert problems() == [f"content/partners/leak.yml:1:1: symbolic link to {outside}, outside the repository (the "
                          "folder of site.yml); content files must be inside it"]


def test_a_symlinked_folder_leading_outside_the_repository_is_refused(mini: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "offer-name.md").write_text((mini / TIP).read_text(encoding="utf-8"))
    (mini / TIP).unlink()
    (mini / "content/tips").rmdir()
    (mini / "content/tips").symlink_to(elsewhere)
    assert problems() == [f"{TIP}:1:1: symbolic link to {elsewhere / 'offer-name.md'}, outside the repository (the "
                          "folder of site.yml); content files must be inside it"]


def test_a_symlink_to_another_file_of_the_repository_is_read(mini: Path) -> None:
    # Documented decision: a link inside the repository shows its target in the diff, and that target is
    # reviewed content itself; it reads as the file it points to.
    (mini / "shared").mkdir()
    (mini / "shared/badges.md").write_text((mini / "content/toolkit/badges.md").read_text(encoding="utf-8"))
    (mini / "content/toolkit/badges.md").unlink()
    (mini / "content/toolkit/badges.md").symlink_to(mini / "shared/badges.md")
    result = load_all(Path("site.yml"), TODAY)
    assert result.problems == []
    assert [page.id for page in result.content.toolkit] == ["badges"]


def test_a_symlink_into_the_git_folder_is_refused(mini: Path) -> None:
    (mini / ".git").mkdir()
    (mini / ".git/config").write_text("id: acme\n")
    (mini / "content/partners/config.yml").symlink_to(mini / ".git/config")
    assert problems() == ["content/partners/config.yml:1:1: symbolic link to .git/config, inside the hidden folder "
                          ".git; content files are never there"]


# --- B. Bounded time and memory: Markdown that is small but slow to render ------------------------


def body(root: Path, text: str) -> None:
    (root / TIP).write_text("---\ntitle: A tip\nlisting_types: [list]\norder: 1\n---\n" + text, encoding="utf-8")


MARKDOWN_CASES = [
    ("unclosed-brackets", "[" * 8_000,
     f"{TIP}:6:11: more than 10 unclosed '[' or link '(' in one paragraph; close each one, or escape it with a "
     "backslash (\\[, \\(): Markdown takes time for every unclosed bracket"),
    ("unclosed-link-parentheses", "Intro\n\n" + "[a](" * 2_000,
     f"{TIP}:8:44: more than 10 unclosed '[' or link '(' in one paragraph; close each one, or escape it with a "
     "backslash (\\[, \\(): Markdown takes time for every unclosed bracket"),
    ("nested-brackets", "[" * 4_000 + "]" * 4_000,
     f"{TIP}:6:6: '[' nested more than 5 levels deep; content never needs this"),
    ("emphasis-run", "*a**" * 150_000,
     f"{TIP}:6:1: the Markdown text is 600,000 characters long; at most 20,000 allowed"),
    ("nested-list", "".join("\t" * i + "- x\n" for i in range(150)),
     f"{TIP}:16:11: lists and block quotes nested more than 10 levels deep; content never needs this"),
    ("nested-list-700", "".join("\t" * i + "- x\n" for i in range(700)),
     f"{TIP}:6:1: the Markdown text is 247,450 characters long; at most 20,000 allowed"),
    ("nested-quotes", "> " * 700 + "x\n",
     f"{TIP}:6:21: lists and block quotes nested more than 10 levels deep; content never needs this"),
    ("long-block", "-\n" * 5_000,
     f"{TIP}:206:1: more than 200 lines without a blank line between them; separate paragraphs, lists and tables "
     "with blank lines"),
    ("abbreviations", "".join(f"*[A{i}]: x\n\n" for i in range(1_000)) + "A1 " * 1_000,
     f"{TIP}:46:1: more than 20 abbreviation definitions (*[...]: ...); content never needs this many"),
    ("footnote-references", "[^1]: x\n\n" + "[^1] " * 3_000,
     f"{TIP}:8:246: more than 50 footnote references and definitions ([^...]); content never needs this many"),
    ("unclosed-html-tags", "\n\n<a" * 4_000,
     f"{TIP}:28:1: more than 10 HTML tags without their closing '>' (or with an unclosed quote); close them, or "
     "write < as &lt;"),
    ("unclosed-quote-in-link", "](*'[\\`)" * 2_000,
     f"{TIP}:6:82: more than 10 unclosed '[' or link '(' in one paragraph; close each one, or escape it with a "
     "backslash (\\[, \\(): Markdown takes time for every unclosed bracket"),
    ("markdown-in-html", '<div markdown="1">\n\n' * 700 + "x\n\n" + "</div>\n\n" * 700,
     f"{TIP}:26:1: more than 10 HTML elements with a markdown attribute; content never needs this many"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in MARKDOWN_CASES], ids=[c[0] for c in MARKDOWN_CASES])
def test_markdown_that_would_render_slowly_is_refused_where_it_starts(mini: Path, text: str, expected: str) -> None:
    body(mini, text)
    start = time.perf_counter()
    assert problems() == [expected]
    assert time.perf_counter() - start < 5


def test_markdown_in_a_yaml_field_is_checked_too(mini: Path) -> None:
    edit(mini, BENEFIT, "description: Badges and templates.", "description: |\n  Badges\n\n  " + "[" * 50)
    assert problems() == [
        f"{BENEFIT}:6:14: description: more than 10 unclosed '[' or link '(' in one paragraph; close each one, or "
        "escape it with a backslash (\\[, \\(): Markdown takes time for every unclosed bracket (line 3, column 11 "
        "of the text)"]


def test_escaped_and_closed_brackets_and_titled_links_do_not_count(mini: Path) -> None:
    body(mini, "Links: " + "[a](https://a.test) \\[ [b](https://b.test \"B\") <b>c</b> " * 100 + "\n")
    assert problems() == []


def test_the_example_content_renders_every_markdown_text_in_time() -> None:
    # The limits are far from what real tips and toolkit pages do: all of them pass (test_cli checks that),
    # and each renders in well under a second.
    from rewards_build.sanitize import markdown_to_html

    for path in sorted((REPO / "content").glob("*/*.md")):
        start = time.perf_counter()
        markdown_to_html(path.read_text(encoding="utf-8").split("---", 2)[2])
        assert time.perf_counter() - start < 1, path


# --- B. Bounded time and memory: many problems, huge numbers --------------------------------------


def test_a_hundred_thousand_unknown_keys_are_checked_in_linear_time_and_capped(mini: Path) -> None:
    keys = "".join(f"k{i}: 1\n" for i in range(100_000))
    (mini / ACME).write_text((mini / ACME).read_text(encoding="utf-8") + keys, encoding="utf-8")
    start = time.perf_counter()
    run = validate_cli(mini, timeout=120)
    assert time.perf_counter() - start < 30
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 51
    assert lines[0].startswith(f"{ACME}:36:1: unknown key 'k0' in (top level); allowed keys: ")
    assert lines[-1] == f"{ACME}:100035:1: ... and 99,950 more problems in this file (the first 50 are shown)"


def test_a_five_thousand_digit_number_is_refused_not_crashed(mini: Path) -> None:
    edit(mini, ACME, "billed_sales_usd: 30000", "billed_sales_usd: " + "9" * 5_000)
    assert problems() == [f"{ACME}:12:23: this number has more than 18 digits; no number in content is that large "
                          "(if you mean the text, quote it)"]


def test_a_hex_number_too_large_is_refused_too(mini: Path) -> None:
    edit(mini, ACME, "billed_sales_usd: 30000", "billed_sales_usd: 0x" + "f" * 100_000)
    assert problems() == [f"{ACME}:12:23: this number has more than 18 digits; no number in content is that large "
                          "(if you mean the text, quote it)"]


def test_billed_sales_above_any_real_company_are_refused(mini: Path) -> None:
    edit(mini, ACME, "billed_sales_usd: 30000", "billed_sales_usd: 10000000000000000")
    assert problems() == [f"{ACME}:12:23: offers[0].billed_sales_usd: found the number 10000000000000000; must be at "
                          "most 1000000000000"]


def test_every_number_in_the_content_schemas_has_a_maximum() -> None:
    def numbers(node: object, where: str) -> list[str]:
        found = []
        if isinstance(node, dict):
            if node.get("type") in ("integer", "number") and "maximum" not in node:
                found.append(where)
            for key, value in node.items():
                found += numbers(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                found += numbers(value, f"{where}/{i}")
        return found

    for kind in ("partner", "benefit", "tip", "toolkit", "program"):
        schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert numbers(schema, kind) == []
