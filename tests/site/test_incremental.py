"""Incremental builds equal clean builds byte for byte; failed builds leave the old site as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_helpers import SiteCopy, copy_site, stamps, tree

from rewards_build.site.write import builds_dir, leftovers

PARTNER = "content/partners/adatum-awaiting-contact.yml"


def test_rebuild_with_nothing_changed_rewrites_no_file(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = stamps(out)
    result, log = site_copy.build(out)
    assert result.exit_code == 0 and result.mode == "nothing", log
    assert result.written == 0
    assert stamps(out) == before


def test_touching_a_file_without_changing_it_rewrites_no_page(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = {k: v for k, v in stamps(out).items() if not k.startswith(".")}
    (site_copy.root / PARTNER).touch()
    result, _ = site_copy.build(out)
    assert result.written == 0
    assert {k: v for k, v in stamps(out).items() if not k.startswith(".")} == before


def test_one_partner_change_rerenders_only_its_pages_and_indexes_and_equals_a_clean_build(
        tmp_path: Path) -> None:
    copy = copy_site(tmp_path / "repo")
    incremental = tmp_path / "b"
    copy.build(incremental)
    path = copy.root / PARTNER
    path.write_text(path.read_text().replace("name: A. Datum Identity\n", "name: A. Datum Identity Group\n"))

    result, log = copy.build(incremental)
    assert result.exit_code == 0 and result.mode == "partial", log
    changed = {"partners/adatum-awaiting-contact/index.html", "ko/partners/adatum-awaiting-contact/index.html",
               "api/partners/adatum-awaiting-contact.json", "partners/index.html", "ko/partners/index.html",
               "partners/adatum-awaiting-contact/feed.xml", "ko/partners/adatum-awaiting-contact/feed.xml"}
    assert result.written == len(changed)

    clean = tmp_path / "c"
    copy.build(clean, clean=True)
    assert tree(incremental) == tree(clean)


def test_partner_change_that_leaves_its_index_row_alone_rewrites_only_its_own_pages(tmp_path: Path) -> None:
    copy = copy_site(tmp_path / "repo")
    out = tmp_path / "b"
    copy.build(out)
    path = copy.root / PARTNER
    path.write_text(path.read_text().replace("note: Welcome mail and call;", "note: Welcome mail and a call;"))
    before = stamps(out)
    result, log = copy.build(out)
    assert result.exit_code == 0 and result.mode == "partial", log
    assert result.written == 0  # the note is not shown on any page
    assert {k: v for k, v in stamps(out).items() if k != ".rewards-build.json"} == {
        k: v for k, v in before.items() if k != ".rewards-build.json"}
    clean = tmp_path / "c"
    copy.build(clean, clean=True)
    assert tree(out) == tree(clean)


def test_template_change_rebuilds_what_depends_on_it_and_equals_a_clean_build(site_copy: SiteCopy,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "b"
    site_copy.build(out)
    template = site_copy.templates / "benefit.html"
    template.write_text(template.read_text().replace("<dl class=\"facts\">", "<dl class=\"facts details\">"))
    result, _ = site_copy.build(out)
    assert result.mode == "full"
    assert 0 < result.written < result.written + result.unchanged
    clean = tmp_path / "c"
    site_copy.build(clean)
    assert tree(out) == tree(clean)


def test_deleted_partner_pages_disappear(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    assert (out / "partners/trey-list-only/index.html").exists()
    (site_copy.content / "partners/trey-list-only.yml").unlink()
    result, log = site_copy.build(out)
    assert result.exit_code == 0, log
    assert not (out / "partners/trey-list-only").exists()
    assert not (out / "ko/partners/trey-list-only").exists()
    assert not (out / "api/partners/trey-list-only.json").exists()
    assert "trey-list-only" not in (out / "partners/index.html").read_text()
    clean = tmp_path / "clean"
    site_copy.build(clean)
    assert tree(out) == tree(clean)


def test_broken_template_leaves_the_old_site_unchanged(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = tree(out, skip=())
    partner = site_copy.templates / "partner.html"
    partner.write_text(partner.read_text().replace("{% endblock %}", "{% endfor %}"))
    result, log = site_copy.build(out)
    assert result.exit_code == 1
    assert "was left as it was" in log
    assert tree(out, skip=()) == before
    assert leftovers(out) == []


def test_template_error_on_first_build_leaves_no_folder(site_copy: SiteCopy, tmp_path: Path) -> None:
    (site_copy.templates / "home.html").write_text("{{ page.no_such_field }}")
    out = tmp_path / "site"
    result, _ = site_copy.build(out)
    assert result.exit_code == 1
    assert not out.exists()
    assert leftovers(out) == []


def test_invalid_content_prints_located_problems_and_keeps_the_old_site(site_copy: SiteCopy,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = tree(out, skip=())
    path = site_copy.root / PARTNER
    path.write_text(path.read_text().replace("listing_type: transact", "listing_type: barter"))
    result, log = site_copy.build(out)
    assert result.exit_code == 1
    assert "content/partners/adatum-awaiting-contact.yml:11:" in log, log
    assert tree(out, skip=()) == before
    assert leftovers(out) == []


def test_a_one_partner_rebuild_still_refuses_an_offer_id_taken_by_another_partner(site_copy: SiteCopy,
                                                                                  tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = tree(out, skip=())
    path = site_copy.root / PARTNER
    path.write_text(path.read_text().replace("adatum-identity-guard", "contoso-field-service"))
    result, _log = site_copy.build(out)
    assert result.mode == "partial"
    assert result.exit_code == 1
    (problem,) = result.problems
    assert str(problem).endswith(
        "content/partners/adatum-awaiting-contact.yml:8:9: offers[0].id: offer id 'contoso-field-service' is "
        "already used by partner 'contoso-activated-contacted'; offer ids are unique across partners")
    assert tree(out, skip=()) == before


def test_stray_file_among_partners_is_reported_even_when_nothing_else_changed(site_copy: SiteCopy,
                                                                              tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    before = tree(out, skip=())
    (site_copy.content / "partners/contoso.yaml").write_text("id: contoso\n")
    result, log = site_copy.build(out)
    assert result.exit_code == 1
    assert "contoso.yaml:1:1:" in log, log
    assert tree(out, skip=()) == before


def test_leftovers_of_a_killed_build_are_swept_by_the_next_build_of_any_kind(site_copy: SiteCopy,
                                                                             tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out)
    builds = builds_dir(out)
    (tmp_path / ".site.rewards-tmp-999-1").mkdir()  # a staging folder of an older version
    (tmp_path / ".site.rewards-tmp-999-1" / "index.html").write_text("half")
    (tmp_path / ".site.rewards-tmp-999-2").symlink_to(builds)  # a link made for a switch that never came
    (builds / ".rewards-tmp-999-3" / "partners").mkdir(parents=True)  # a build folder being filled
    (builds / ".rewards-tmp-999-3" / "partners" / "index.html").write_text("half")
    assert len(leftovers(out)) == 3
    before = tree(out, skip=())
    result, _ = site_copy.build(out)  # nothing changed: the sweep still runs
    assert result.exit_code == 0 and result.mode == "nothing"
    assert leftovers(out) == []
    assert tree(out, skip=()) == before


def test_a_plain_output_folder_is_converted_and_its_temporary_files_swept(site_copy: SiteCopy,
                                                                         tmp_path: Path) -> None:
    """An output folder written before the linked layout, with a killed build's temporary files in it:
    the next build, even one with nothing to render, switches it to the linked layout without them."""
    built = tmp_path / "built"
    site_copy.build(built)
    out = tmp_path / "site"
    shutil.copytree(built, out)  # a plain folder
    (out / "partners" / ".index.html.rewards-tmp-999-1").write_text("half")
    result, log = site_copy.build(out)
    assert result.exit_code == 0 and result.mode == "nothing", log
    assert out.is_symlink() and out.resolve().parent == builds_dir(out)
    assert leftovers(out) == []
    assert tree(out, skip=()) == tree(built, skip=())
    result, log = site_copy.build(out)
    assert result.mode == "nothing" and out.is_symlink(), log


def test_changed_today_rebuilds_day_counts(site_copy: SiteCopy, tmp_path: Path) -> None:
    import datetime as dt

    out = tmp_path / "site"
    site_copy.build(out)
    result, _ = site_copy.build(out, today=dt.date(2026, 11, 25))
    assert result.mode == "full" and result.written > 0
    clean = tmp_path / "clean"
    site_copy.build(clean, today=dt.date(2026, 11, 25))
    assert tree(out) == tree(clean)


def test_a_full_build_made_in_the_spare_drops_a_deleted_partners_files(site_copy: SiteCopy, tmp_path: Path) -> None:
    """The third build is made in the first one's folder, which still holds every partner's files: a
    template change (a full build) and a deleted partner at once must leave none of its files there."""
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    first = out.resolve().stat().st_ino
    path = site_copy.content / "partners/adatum-awaiting-contact.yml"
    path.write_text(path.read_text().replace("\nname: ", "\nname: B ", 1))
    site_copy.build(out, jobs=1)
    template = site_copy.templates / "benefit.html"
    template.write_text(template.read_text().replace('<dl class="facts', '<dl class="facts x'))
    (site_copy.content / "partners/trey-list-only.yml").unlink()

    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0 and result.mode == "full", log
    assert out.resolve().stat().st_ino == first, "not made in the spare build folder"
    gone = ["partners/trey-list-only", "ko/partners/trey-list-only", "api/partners/trey-list-only.json"]
    assert [g for g in gone if (out / g).exists()] == []
    assert result.removed == 5, log  # a page and a feed in each language, and the JSON
    clean = tmp_path / "clean"
    site_copy.build(clean, jobs=1)
    assert tree(out) == tree(clean)


def test_a_sequence_of_builds_in_two_build_folders_equals_a_clean_build_each_time(site_copy: SiteCopy,
                                                                                 tmp_path: Path) -> None:
    """Each build after the second is made in the spare folder (the one the live build was made
    from), syncing only what the live build changed: partner edits, a template change, a deleted and
    a restored partner, a touched file, --clean, in a row; after each, the site equals a clean build."""
    import datetime as dt

    out = tmp_path / "site"
    partners = site_copy.content / "partners"
    trey = (partners / "trey-list-only.yml").read_text()

    def rename(pid: str, to: str) -> None:
        path = partners / f"{pid}.yml"
        path.write_text(path.read_text().replace("\nname: ", f"\nname: {to} ", 1))

    def template() -> None:
        path = site_copy.templates / "benefit.html"
        path.write_text(path.read_text().replace('<dl class="facts', '<dl class="facts x'))

    steps = [
        ("first", lambda: None, {}),
        ("one partner", lambda: rename("trey-list-only", "A"), {}),
        ("another partner", lambda: rename("adatum-awaiting-contact", "B"), {}),
        ("the first again", lambda: rename("trey-list-only", "C"), {}),
        ("template", template, {}),
        ("deleted partner", lambda: (partners / "trey-list-only.yml").unlink(), {}),
        ("restored partner", lambda: (partners / "trey-list-only.yml").write_text(trey), {}),
        ("touched", lambda: (partners / "trey-list-only.yml").touch(), {}),
        ("a new day", lambda: None, {"today": dt.date(2026, 11, 25)}),
        ("clean", lambda: rename("adatum-awaiting-contact", "D"), {"clean": True}),
        ("after clean", lambda: rename("trey-list-only", "E"), {"today": dt.date(2026, 11, 25)}),
    ]
    live_inodes: list[int] = []
    for i, (step, change, options) in enumerate(steps):
        change()
        result, log = site_copy.build(out, jobs=1, **options)
        assert result.exit_code == 0, f"{step}: {log}"
        live_inodes.append(out.resolve().stat().st_ino)
        if step in ("another partner", "the first again", "template", "deleted partner", "restored partner"):
            assert live_inodes[-1] == live_inodes[-3], f"{step}: not made in the spare build folder"
        clean = tmp_path / f"clean-{i}"
        result, log = site_copy.build(clean, jobs=1, **{k: v for k, v in options.items() if k != "clean"})
        assert tree(out) == tree(clean), step
        assert leftovers(out) == [], step
        assert len(list(builds_dir(out).iterdir())) <= 2, step


def test_an_edit_that_changes_no_page_keeps_the_spare_for_the_next_build(site_copy: SiteCopy,
                                                                         tmp_path: Path) -> None:
    """A partner file edited without changing any page (a comment) replaces the live build's manifest
    alone; the next build that changes a page is still made in the spare folder, syncing what differs,
    not in a new folder with every file of the site linked anew (5 s at 10,000 partners)."""
    out = tmp_path / "site"
    path = site_copy.content / "partners" / "trey-list-only.yml"
    site_copy.build(out, jobs=1)
    first = out.resolve().stat().st_ino
    path.write_text(path.read_text().replace("\nname: ", "\nname: A ", 1))
    site_copy.build(out, jobs=1)
    second = out.resolve().stat().st_ino
    assert second != first
    path.write_text(path.read_text() + "# a comment no page shows\n")
    result, log = site_copy.build(out, jobs=1)
    assert (result.exit_code, result.mode, result.written) == (0, "partial", 0), log
    assert out.resolve().stat().st_ino == second  # the live build kept, its manifest replaced
    path.write_text(path.read_text().replace("\nname: A ", "\nname: B ", 1))
    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0 and result.written > 0, log
    assert out.resolve().stat().st_ino == first, "not made in the spare build folder"
    clean = tmp_path / "clean"
    site_copy.build(clean, jobs=1)
    assert tree(out) == tree(clean)
    assert leftovers(out) == []
