# The two commands a new user needs (see README.md):
#   make run    set up, then the main job on the example content: validate, report, build the site,
#               and preview the mail (a dry run: no SMTP server needed)
#   make test   set up (including Debian's chromium for the browser tests), then ruff and every test

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

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
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/validate.py
	@[ ! -f bench/build.py ] || $(BIN)/python bench/build.py
	@[ ! -f bench/notify.py ] || $(BIN)/python bench/notify.py

clean:
	rm -rf $(VENV) _site _outbox var .pytest_cache .ruff_cache *.egg-info
