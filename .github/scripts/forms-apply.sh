#!/bin/sh
# Apply the issue form of an `issues` event on a branch of its own, and commit the change there.
#   forms-apply.sh EVENT_JSON REPLY_FILE [rewards apply-form options...]
# EVENT_JSON is the event's payload ($GITHUB_EVENT_PATH): the issue's number, author and body are read
# from it with jq, never pasted into a command line (the body is untrusted text).
# Writes the reply for the issue (Markdown) to REPLY_FILE, and to $GITHUB_OUTPUT (when set):
#   outcome=applied|refused   branch=rewards-form/issue-N   title=<the pull request's title>
# Exits 0 when the form was applied (one partner file changed and committed) or refused (the reply says
# what to fix; nothing committed), 2 on anything else (rewards apply-form's exit 2, or not exactly one
# partner file changed).
# Runs in the repository's root, in either layout: this repository's own (the tool at the root), or a
# content repository whose workflow checked the tool out inside its work tree (.rewards-tool): that
# checkout, and what `pip install` leaves in it, is not part of the change.
set -eu
event=$1
reply=$2
shift 2
out=${GITHUB_OUTPUT:-/dev/null}
number=$(jq -r '.issue.number' "$event")
author=$(jq -r '.issue.user.login' "$event")
case $number in
  ''|*[!0-9]*) echo "forms-apply: no issue number in $event" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jq -j '.issue.body // ""' "$event" >"$work/body.md"
branch="rewards-form/issue-$number"
git checkout -q -B "$branch"

status=0
rewards apply-form "$work/body.md" --author "$author" --title-file "$work/title" "$@" >"$reply" || status=$?
case $status in
  0) ;;
  1) echo "outcome=refused" >>"$out"; echo "forms-apply: issue #$number refused (the reply says what to fix)"; exit 0 ;;
  *) echo "forms-apply: rewards apply-form exited $status" >&2; exit 2 ;;
esac

# A form changes one partner file, and nothing else: anything more is refused before it is committed
# (and the reply, which says the change was made, is not posted: the run's log says what went wrong).
top=$(git rev-parse --show-toplevel)
tool=$(cd "$(dirname "$0")/../.." && pwd -P)
case $tool in
  "$top") set -- ':/' ;;  # the tool's own repository
  "$top"/*) set -- ':/' ":(top,exclude)${tool#"$top"/}" ;;  # the tool checked out inside a content repository
  *) set -- ':/' ;;  # the tool elsewhere
esac
changed=$(git status --porcelain --untracked-files=all -- "$@")
case $changed in
  " M content/partners/"*.yml) ;;
  *) echo "forms-apply: expected one changed partner file, found: $changed" >&2; : >"$reply"; exit 2 ;;
esac
if [ "$(printf '%s\n' "$changed" | wc -l)" -ne 1 ]; then
  echo "forms-apply: expected one changed partner file, found: $changed" >&2; : >"$reply"; exit 2
fi
file=${changed#" M "}
title=$(head -n 1 "$work/title")
git add -- "$file"
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  commit -q -m "$title" -m "Requested by @$author in #$number with an issue form (rewards apply-form)."
{ echo "outcome=applied"; echo "branch=$branch"; echo "title=$title"; } >>"$out"
echo "forms-apply: issue #$number applied to $file on $branch"
