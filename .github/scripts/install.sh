#!/bin/sh
# Install the rewards tool exactly as locked: every package pinned with its hashes, then the tool
# itself without resolving anything again.
#   install.sh [TOOL_DIR]   TOOL_DIR holds requirements-lock.txt and pyproject.toml (default: .)
set -eu
tool=${1:-.}
python -m pip install --quiet --require-hashes --no-deps -r "$tool/requirements-lock.txt"
python -m pip install --quiet --no-deps --no-build-isolation "$tool"
rewards --help >/dev/null
