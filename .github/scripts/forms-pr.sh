#!/bin/sh
# Push the branch forms-apply.sh committed and open its pull request, or update the one already open.
#   forms-pr.sh ISSUE_NUMBER BRANCH BASE_BRANCH TITLE REPLY_FILE     (needs gh, GH_TOKEN and GITHUB_REPOSITORY)
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
# The REST API through `gh api` (not `gh pr`, which speaks GraphQL): the same calls upsert-comment.sh makes,
# and the ones the tests make against a loopback stand-in for GitHub with the real gh.
number=$(gh api "repos/$GITHUB_REPOSITORY/pulls?head=${GITHUB_REPOSITORY%%/*}:$branch&state=open" --jq '.[0].number // ""')
if [ -n "$number" ]; then
  url=$(gh api -X PATCH "repos/$GITHUB_REPOSITORY/pulls/$number" -f title="$title" -F body=@"$work/body.md" \
          --jq .html_url)
  echo "forms-pr: updated $url"
else
  url=$(gh api -X POST "repos/$GITHUB_REPOSITORY/pulls" -f head="$branch" -f base="$base" -f title="$title" \
          -F body=@"$work/body.md" --jq .html_url)
  echo "forms-pr: opened $url"
fi
{ echo "pr_url=$url"; echo "pr_number=${url##*/}"; } >>"$out"
