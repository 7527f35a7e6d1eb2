#!/bin/sh
# The pull request's change to the program, as the Markdown of its comment.
#   pr-diff.sh BASE_BRANCH OUT_FILE [rewards diff options...]
# Compares the merge base of HEAD and origin/BASE_BRANCH (what the branch changed, not what main
# changed since) with the working tree. rewards diff exits 0 (no change), 3 (changes), 1 (invalid
# content) or 2 (usage or git error): 0 and 3 succeed; 1 writes a body that says so and fails; 2 fails.
# The body starts with a marker, so that the comment is found and updated rather than posted again.
set -eu
base_branch=$1
out=$2
shift 2
marker='<!-- rewards-diff -->'

if ! git rev-parse --verify --quiet "refs/remotes/origin/$base_branch" >/dev/null; then
  git fetch --quiet --no-tags origin "+refs/heads/$base_branch:refs/remotes/origin/$base_branch"
fi
if ! base=$(git merge-base "refs/remotes/origin/$base_branch" HEAD); then
  echo "pr-diff: no merge base between HEAD and origin/$base_branch (fetch the full history: fetch-depth: 0)" >&2
  exit 2
fi

status=0
markdown=$(rewards diff --format markdown "$@" "$base") || status=$?
case $status in
  0|3)
    printf '%s\n%s\n' "$marker" "$markdown" >"$out" ;;
  1)
    printf '%s\n%s\n\n%s\n' "$marker" "**rewards diff**: the content is not valid, so its effect on the program is not known yet; see the annotations of \`rewards validate\`." "$markdown" >"$out"
    exit 1 ;;
  *)
    echo "pr-diff: rewards diff exited $status" >&2
    exit "$status" ;;
esac
# GitHub refuses a comment over 65,536 characters: keep the start and say so.
if [ "$(wc -c <"$out")" -gt 60000 ]; then
  head -c 60000 "$out" >"$out.cut"
  printf '\n\n… (cut at 60,000 characters: run `rewards diff %s` for everything)\n' "$base" >>"$out.cut"
  mv "$out.cut" "$out"
fi
echo "pr-diff: $base..HEAD, rewards diff exit $status, $(wc -c <"$out") bytes"
