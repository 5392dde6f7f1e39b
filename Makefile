# Scheduled jobs in Django, step by step.
#   make run [STEP=N]    set everything up, then serve step N (default 1) at http://127.0.0.1:8000/
#   make test [STEP=N]   set everything up, then run the shared suite for every step (or step N)
#   make screenshots     step 5's pages, through a real browser, into docs/assets/screenshots/
#   make lint | bench | docs | docs-build | lock | clean

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
STEP ?=
RUN_STEP := $(or $(STEP),1)
ALL_STEPS := $(sort $(wildcard step0*_*))
step_dir = $(firstword $(wildcard step0$(1)_*))
TEST_STEPS := $(if $(STEP),$(call step_dir,$(STEP)),$(ALL_STEPS))

.PHONY: setup run test test-docs lint bench docs docs-build lock clean screenshots

setup: $(INSTALLED)

$(INSTALLED): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed: make PYTHON=python3.12 ..."; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

run: $(INSTALLED)
	@test -n "$(call step_dir,$(RUN_STEP))" || { echo "No step $(RUN_STEP). Steps: $(ALL_STEPS)"; exit 1; }
	cd $(call step_dir,$(RUN_STEP)) && $(BIN)/python manage.py migrate --noinput
	cd $(call step_dir,$(RUN_STEP)) && $(BIN)/python manage.py ensureadmin
	cd $(call step_dir,$(RUN_STEP)) && $(BIN)/python manage.py runserver 127.0.0.1:8000

# Each step runs in its own pytest process with its own settings, two at a time.
test: $(INSTALLED)
	@test -n "$(TEST_STEPS)" || { echo "No step $(STEP). Steps: $(ALL_STEPS)"; exit 1; }
	$(BIN)/python tools/run_tests.py $(TEST_STEPS) $(if $(STEP),,--docs)

# The checks of the docs site (every page in every language, anchors, snippets, a real build).
test-docs: $(INSTALLED)
	$(BIN)/pytest -c tests/docs/pytest.ini tests/docs

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Needs chromium (apt-get install chromium); the browser test writes them as it goes.
screenshots: $(INSTALLED)
	cd $(call step_dir,5) && $(BIN)/pytest ../tests/jobs_api/test_browser.py \
	  --screenshots=$(CURDIR)/docs/assets/screenshots

# The site: docs/<language>/, built with mkdocs.yml. Port 8001 leaves 8000 to `make run`.
export NO_MKDOCS_2_WARNING := 1

docs: $(INSTALLED)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

docs-build: $(INSTALLED)
	$(BIN)/mkdocs build --strict

bench: $(INSTALLED)
	$(BIN)/python tools/bench.py $(TEST_STEPS)

# Regenerate requirements.lock from pyproject.toml (maintainers only; needs network).
lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.10 \
	  --generate-hashes --upgrade -o requirements.lock

clean:
	rm -rf $(VENV) .coverage* site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
