#!/bin/sh
# Push the branch forms-apply.sh committed and open its pull request, or update the one already open.
#   forms-pr.sh ISSUE_NUMBER BRANCH BASE_BRANCH TITLE REPLY_FILE     (needs gh and GH_TOKEN)
# The pull request's body is the reply (the change, as a diff) and "Closes #N", which links the issue and
# closes it when the pull request merges. Writes pr_url=... and pr_number=... to $GITHUB_OUTPUT (when set).
set -eu
issue=$1
branch=$2
base=$3
title=$4
reply=$5
out=${GITHUB_OUTPUT:-/dev/null}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{ cat "$reply"; printf '\nCloses #%s\n' "$issue"; } >"$work/body.md"
# Each edit of the issue makes the branch again from the base branch: the pull request shows its latest state.
git push --quiet --force origin "HEAD:refs/heads/$branch"
url=$(gh pr list --head "$branch" --state open --json url --jq '.[0].url // ""')
if [ -n "$url" ]; then
  gh pr edit "$url" --title "$title" --body-file "$work/body.md" >/dev/null
  echo "forms-pr: updated $url"
else
  url=$(gh pr create --head "$branch" --base "$base" --title "$title" --body-file "$work/body.md")
  echo "forms-pr: opened $url"
fi
{ echo "pr_url=$url"; echo "pr_number=${url##*/}"; } >>"$out"
