#!/bin/sh
# Build the site and copy it, links resolved, to OUT_DIR for an artifact or GitHub Pages.
#   build-site.sh OUT_DIR [rewards build options...]
# rewards build switches its output folder by a link to the complete build; an upload wants files.
set -eu
out=$1
shift
work=$(mktemp -d)
rewards build --out "$work/site" "$@"
rm -rf "$out"
cp -RL "$work/site" "$out"
rm -rf "$work"
test -f "$out/index.html" || { echo "build-site: no index.html in $out" >&2; exit 1; }
echo "build-site: $(find "$out" -type f | wc -l) files in $out"
