"""`rewards diff`, one function read top to bottom: find the two revisions, decide how much of each
to read, load and snapshot both sides (at once, in two processes, when everything must be read),
compare.

How much is read: when only partner files changed, each side is the catalog plus those files (the
answers for a partner depend on nothing else), and HEAD's rule across partners (an offer id belongs
to one partner) is checked against every partner file that mentions one of their offer ids (`git
grep`). A change anywhere else (program.yml, a benefit, a tip, a toolkit page, site.yml) reads and
compares every partner on both sides.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import tempfile
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path, PurePosixPath

from notifier.plan import History

from ..model import Content
from . import git
from .compare import Diff, compare
from .sides import Loaded, Side, load, load_side, snapshot_side, with_partners_of


@dataclass(frozen=True, slots=True)
class Request:
    site: Path  # site.yml in the working tree, as given (--site)
    today: dt.date
    base: str | None = None  # a ref; None: the merge base with the upstream, else HEAD
    head: str | None = None  # a ref; None: the working tree
    history: History = field(default_factory=History)  # the ledger's, with --ledger; empty otherwise


@dataclass(frozen=True, slots=True)
class Plan:
    """What to read: which revisions, and all of it or only some partner files."""

    repo: Path
    site: str  # site.yml relative to the repository, posix
    content: str  # the content folder relative to the repository, posix
    base: str  # commit
    base_label: str
    head: str | None  # commit, or None for the working tree
    head_label: str
    partner_files: tuple[str, ...] | None  # content-relative; None: every file
    present_in_base: tuple[str, ...]
    present_in_head: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...] | None:
        return None if self.partner_files is None else tuple(PurePosixPath(f).stem for f in self.partner_files)


def diff(request: Request) -> Diff | Side:
    """The comparison, or HEAD's side when HEAD is invalid (its problems, to print as validate does).
    Raises git.GitError for usage errors (not a repository, an unknown ref)."""
    with tempfile.TemporaryDirectory(prefix="rewards-diff-") as tmp:
        plan, head_site = _plan(request, Path(tmp))
        if plan.partner_files is None:
            base, head = _both_whole(plan, request, head_site, Path(tmp) / "base")
        else:
            head = _head_partial(plan, request, head_site)
            base = _base(plan, request, Path(tmp) / "base", plan.present_in_base) if head.valid else head
        if not head.valid:
            return head
        return compare(base, head, plan.ids)  # an invalid BASE has no catalog: compared against nothing


def _plan(request: Request, tmp: Path) -> tuple[Plan, Path]:
    # 1. The repository, and site.yml's place in it.
    site = request.site.resolve()
    repo = git.toplevel(site.parent if site.parent.is_dir() else Path.cwd())
    try:
        site_rel = site.relative_to(repo.resolve()).as_posix()
    except ValueError:
        raise git.GitError(f"{request.site} is outside the repository {repo}") from None
    # 2. The two revisions.
    if request.base is None:
        base, how = git.default_base(repo)
        base_label = f"{base[:9]} ({how})"
    else:
        base = git.commit(repo, request.base)
        base_label = f"{request.base} ({base[:9]})" if not base.startswith(request.base) else base[:9]
    head = None if request.head is None else git.commit(repo, request.head)
    head_label = "working tree" if request.head is None else f"{request.head} ({head[:9] if head else ''})"
    # 3. HEAD's site.yml says where the content is.
    head_site = site
    if head is not None:
        git.extract(repo, head, [site_rel], tmp / "head")
        head_site = tmp / "head" / site_rel
    content = _content_folder(head_site, site_rel)
    # 4. What changed, and so how much to read.
    changes = git.changes(repo, base, head, [site_rel, content])
    partners_dir = f"{content}/partners/"
    only_partners = all(c.path.startswith(partners_dir) and c.path.endswith(".yml") and "/" not in
                        c.path[len(partners_dir):] for c in changes)
    rel = [c.path[len(content) + 1:] for c in changes]
    plan = Plan(repo, site_rel, content, base, base_label, head, head_label,
                tuple(rel) if only_partners else None,
                tuple(r for r, c in zip(rel, changes, strict=True) if c.status != "A"),
                tuple(r for r, c in zip(rel, changes, strict=True) if c.status != "D"))
    return plan, head_site


def _content_folder(site_path: Path, site_rel: str) -> str:
    from ..pipeline import load_config  # the folder site.yml names; an unusable site.yml says so later
    config, _ = load_config(site_path)
    folder = PurePosixPath(site_rel).parent
    name = "content" if config is None else config.content_dir.relative_to(config.root).as_posix()
    return (folder / name).as_posix() if str(folder) != "." else name


def _extract_head(plan: Plan, dest: Path, paths: list[str]) -> Path:
    """HEAD's files: the working tree itself, or (with --head) a copy of the revision."""
    if plan.head is None:
        return plan.repo / plan.site
    git.extract(plan.repo, plan.head, paths, dest)
    return dest / plan.site


def _catalog_paths(plan: Plan) -> list[str]:
    return [plan.site, *(f"{plan.content}/{name}" for name in ("program.yml", "benefits", "tips", "toolkit"))]


def _base(plan: Plan, request: Request, dest: Path, partner_files: tuple[str, ...] | None) -> Side:
    label = f"BASE {plan.base_label}"
    paths = [plan.site, plan.content] if partner_files is None else [
        *_catalog_paths(plan), *(f"{plan.content}/{f}" for f in partner_files)]
    git.extract(plan.repo, plan.base, paths, dest)
    site = dest / plan.site
    if not site.exists():
        return Side(label, (), True)  # no site.yml at BASE: nothing to compare with
    return load_side(label, site, request.today, request.history, partner_files=partner_files,
                     compare=plan.ids, shown_from=dest)


def _head_partial(plan: Plan, request: Request, head_site: Path) -> Side:
    label = f"HEAD {plan.head_label}"
    files = list(plan.present_in_head)
    if plan.head is not None:
        head_site = _extract_head(plan, head_site.parents[len(PurePosixPath(plan.site).parts) - 1],
                                  [*_catalog_paths(plan), *(f"{plan.content}/{f}" for f in files)])
    shown = None if plan.head is None else head_site.parents[len(PurePosixPath(plan.site).parts) - 1]
    side = load_side(label, head_site, request.today, request.history, partner_files=files, compare=plan.ids,
                     shown_from=shown)
    if not side.valid or not side.offer_ids:
        return side
    # The rule across partners: any other partner file naming one of these offer ids is read too.
    mentioned = git.files_mentioning(plan.repo, plan.head, sorted(side.offer_ids), f"{plan.content}/partners")
    extra = sorted({m[len(plan.content) + 1:] for m in mentioned} - set(files))
    if not extra:
        return side
    if plan.head is not None:
        git.extract(plan.repo, plan.head, [f"{plan.content}/{f}" for f in extra], head_site.parents[
            len(PurePosixPath(plan.site).parts) - 1])
    return load_side(label, head_site, request.today, request.history, partner_files=[*files, *extra],
                     compare=plan.ids, shown_from=shown)


def _both_whole(plan: Plan, request: Request, head_site: Path, base_dest: Path) -> tuple[Side, Side]:
    """Every partner on both sides. HEAD is read first, on every core; then BASE's rules run in a
    forked process while this one runs HEAD's, since the two are independent and cost alike.

    BASE borrows HEAD's partners (`sides.with_partners_of`): the fork inherits them, so BASE reads only
    its catalog and the partner files that differ, and checks the partner files that are the same
    against its catalog without reading them again. When that finds BASE invalid, BASE is read whole,
    so that its problems are told exactly as a whole load tells them.

    Only what differs crosses back: the worker sends a hash of each partner's snapshot, and then the
    snapshots of the partners whose hash differs from HEAD's (pickling 10,000 snapshots would cost
    seconds; a threshold moved touches a few hundred). A fork shares this process's string hash seed,
    so the two sides' hashes are comparable.
    """
    label = f"HEAD {plan.head_label}"
    head_loaded = _head_whole(plan, request, head_site, label)
    if isinstance(head_loaded, Side):
        return head_loaded, head_loaded
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork (not Linux or macOS): one after the other
        head = snapshot_side(head_loaded, request.today, request.history)
        return _base_borrowing(plan, request, base_dest, head_loaded.content), head
    here, there = context.Pipe(duplex=True)
    worker = context.Process(target=_base_worker, args=(plan, request, base_dest, head_loaded.content, there),
                             daemon=True)
    worker.start()
    there.close()
    try:
        head = snapshot_side(head_loaded, request.today, request.history)
        answer = here.recv()
        if isinstance(answer, git.GitError):
            raise answer
        base, hashes = answer
        assert isinstance(base, Side)
        differ = [p for p, h in hashes.items() if p not in head.partners or hash(head.partners[p]) != h]
        here.send(differ)
        partners = here.recv()
        same = {p: head.partners[p] for p in hashes if p not in partners}
        return replace(base, partners={**same, **partners}), head
    finally:
        if worker.is_alive() and not here.poll():
            worker.kill()
        worker.join()
        here.close()


def _head_whole(plan: Plan, request: Request, head_site: Path, label: str) -> Loaded | Side:
    root = head_site.parents[len(PurePosixPath(plan.site).parts) - 1]
    head_site = _extract_head(plan, root, [plan.site, plan.content])
    return load(label, head_site, request.today, shown_from=None if plan.head is None else root)


def _base_borrowing(plan: Plan, request: Request, dest: Path, head: Content) -> Side:
    """BASE's side, reading only its catalog and the partner files that differ from HEAD's."""
    label = f"BASE {plan.base_label}"
    partners_dir = f"{plan.content}/partners"
    changed = {f"{plan.content}/{rel}" for rel in plan.present_in_base} | \
        {f"{plan.content}/{rel}" for rel in plan.present_in_head}
    at_base = git.regular_files(plan.repo, plan.base, partners_dir)
    shared = {path[len(plan.content) + 1:] for path in at_base - changed}
    own = sorted(rel for rel in plan.present_in_base if rel.startswith("partners/"))
    git.extract(plan.repo, plan.base, [*_catalog_paths(plan), *(f"{plan.content}/{f}" for f in own)], dest)
    site = dest / plan.site
    if not site.exists():
        return Side(label, (), True)  # no site.yml at BASE: nothing to compare with
    owners = {o.id: p.id for p in head.partners.values() if p.source in shared for o in p.offers}
    loaded = load(label, site, request.today, partner_files=own, shown_from=dest, offer_owners=owners)
    merged = None
    if isinstance(loaded, Loaded) and _content_folder(site, plan.site) == plan.content:
        merged = with_partners_of(loaded, head, shared)
    if merged is None:  # invalid, or its site.yml reads another folder: read it whole, as it is
        return _base(plan, request, dest, None)
    return snapshot_side(merged, request.today, request.history)


def _base_worker(plan: Plan, request: Request, dest: Path, head: Content, pipe: Connection) -> None:
    try:
        base = _base_borrowing(plan, request, dest, head)
    except git.GitError as exc:
        pipe.send(exc)
        return
    pipe.send((replace(base, partners={}), {p: hash(s) for p, s in base.partners.items()}))
    wanted = pipe.recv()
    pipe.send({p: base.partners[p] for p in wanted})
    pipe.close()
