#!/bin/sh
# Check the YAML front matter of tip and toolkit pages with check-jsonschema, against the same schemas
# `rewards validate` uses (a JSON Schema tool cannot read Markdown, so the front matter is cut out).
#   front-matter.sh SCHEMA_DIR FILE.md...    (tips/*.md: tip.schema.json; toolkit/*.md: toolkit.schema.json)
# Exits as check-jsonschema does: 0 when every front matter is valid, 1 otherwise.
set -eu
schemas=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for file in "$@"; do
  case $file in
    */tips/*.md) schema=tip ;;
    */toolkit/*.md) schema=toolkit ;;
    *) echo "front-matter: $file is neither in tips/ nor in toolkit/" >&2; exit 2 ;;
  esac
  if [ "$(head -n 1 "$file")" != "---" ]; then
    echo "$file: missing front matter (the file must start with a '---' line)"; status=1; continue
  fi
  out="$work/$(printf '%s' "$file" | tr '/' '_').yml"
  # The lines between the opening '---' and the next '---', so line numbers are the file's minus one.
  awk 'NR == 1 { next } /^---[ \t]*$/ { exit } { print }' "$file" >"$out"
  echo "$file: front matter against $schema.schema.json"
  check-jsonschema --schemafile "$schemas/$schema.schema.json" "$out" || status=1
done
exit $status
