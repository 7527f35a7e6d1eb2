#!/bin/sh
# Post BODY_FILE as the pull request's one rewards diff comment, or update it if it is there already.
#   upsert-comment.sh PR_NUMBER BODY_FILE     (needs gh, GH_TOKEN and GITHUB_REPOSITORY)
# The comment is the one whose body starts with the marker pr-diff.sh writes.
set -eu
pr=$1
body=$2
marker='<!-- rewards-diff -->'
head -n 1 "$body" | grep -qxF "$marker" || { echo "upsert-comment: $body does not start with $marker" >&2; exit 2; }
id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$pr/comments" \
       --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$id" ]; then
  gh api --silent -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body"
  echo "upsert-comment: updated comment $id"
else
  gh api --silent -X POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$body"
  echo "upsert-comment: posted a new comment"
fi
