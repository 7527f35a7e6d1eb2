#!/bin/sh
# Answer on the issue: the reply rewards apply-form wrote, and the pull request's address when there is one.
#   forms-reply.sh ISSUE_NUMBER REPLY_FILE [PR_URL]     (needs gh, GH_TOKEN and GITHUB_REPOSITORY)
# A new comment each time (an edited issue is a new round of the conversation). A reply that does not
# start with rewards apply-form's marker is not posted; a missing or empty one is left unsaid (the run's log
# has what went wrong).
set -eu
issue=$1
reply=$2
pr=${3:-}
marker='<!-- rewards-form -->'
if [ ! -s "$reply" ]; then
  echo "forms-reply: no reply to post (rewards apply-form did not run to the end: see the log above)"; exit 0
fi
head -n 1 "$reply" | grep -qxF "$marker" || { echo "forms-reply: $reply does not start with $marker" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$reply" "$work/comment.md"
if [ -n "$pr" ]; then
  printf '\nPull request: %s (reviewers decide; its comment says what the change does to the program).\n' "$pr" \
    >>"$work/comment.md"
fi
gh api --silent -X POST "repos/$GITHUB_REPOSITORY/issues/$issue/comments" -F body=@"$work/comment.md"
echo "forms-reply: answered on #$issue"
