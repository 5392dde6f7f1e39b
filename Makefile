# Scheduled jobs in Django, step by step.
#   make run [STEP=N]    set everything up, then serve step N (default 1) at http://127.0.0.1:8000/
#                        (a step with a Procfile: all its processes, with honcho)
#   make test [STEP=N]   set everything up, then run the shared suite for every step (or step N)
#   make screenshots     step 5's pages, through a real browser, into docs/assets/screenshots/
#   make lint | bench | docs | docs-build | lock | clean

# The first Python found, among pyenv's and those on PATH, of the versions given.
find_python = $(firstword $(foreach v,$(1),$(wildcard $(HOME)/.pyenv/versions/$(v).*/bin/python3)) \
  $(foreach v,$(1),$(shell command -v python$(v) 2>/dev/null)))
# The newest Python 3.12+ there is, else python3: on 3.12+ coverage measures through
# sys.monitoring (+3% on a simulated day, where a trace function costs +60%).
# PYTHON=... to choose.
NEWEST_PYTHON := $(call find_python,3.13 3.12)
PYTHON ?= $(or $(NEWEST_PYTHON),python3)
VENV := $(CURDIR)/.venv
PY_VERSION := 'import sys; print(*sys.version_info[:2])'
# A virtual environment at $(2), made with Python $(1). The pip a Python ships with may be
# old: pip 23 refuses the lock in --require-hashes mode once a newer coverage is out
# (it reads pytest-cov's coverage[toml] as unpinned), so pip comes up to 24.2 or newer.
make_venv = $(1) -m venv $(2) && $(2)/bin/python -m pip install --quiet --upgrade "pip>=24.2"
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
STEP ?=
RUN_STEP := $(or $(STEP),1)
ALL_STEPS := $(sort $(wildcard step0*_*))
step_dir = $(firstword $(wildcard step0$(1)_*))
TEST_STEPS := $(if $(STEP),$(call step_dir,$(STEP)),$(ALL_STEPS))

.PHONY: setup run test test-django61 test-python310 test-docs lint bench docs docs-build lock clean screenshots

setup: $(INSTALLED)

$(INSTALLED): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed: make PYTHON=python3.12 ..."; exit 1; }
	@# An environment that exists is updated in place, so a failed install leaves it
	@# usable; one made with another Python version is made anew.
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c $(PY_VERSION))" != "$$($(PYTHON) -c $(PY_VERSION))" ]; \
	  then echo "$(VENV) has another Python: making it anew"; rm -rf $(VENV); fi
	$(call make_venv,$(PYTHON),$(VENV))
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

run: $(INSTALLED)
	@test -n "$(call step_dir,$(RUN_STEP))" || { echo "No step $(RUN_STEP). Steps: $(ALL_STEPS)"; exit 1; }
	cd $(call step_dir,$(RUN_STEP)) && $(BIN)/python manage.py migrate --noinput
	cd $(call step_dir,$(RUN_STEP)) && $(BIN)/python manage.py ensureadmin
	@# A step with a Procfile (step 3 on: the web and the scheduler process) runs its
	@# processes with honcho, in this terminal; a step with STATIC_ROOT (6 on) collects first.
	cd $(call step_dir,$(RUN_STEP)) && if [ -f Procfile ]; then \
	  { ! grep -q '^STATIC_ROOT' eventproject/settings.py || \
	    $(BIN)/python manage.py collectstatic --noinput --verbosity 0; } && \
	  $(BIN)/python $(CURDIR)/tools/run_procfile.py; \
	else $(BIN)/python manage.py runserver 127.0.0.1:8000; fi

# Each step runs in its own pytest process with its own settings, two at a time.
test: $(INSTALLED)
	@test -n "$(TEST_STEPS)" || { echo "No step $(STEP). Steps: $(ALL_STEPS)"; exit 1; }
	$(BIN)/python tools/run_tests.py $(TEST_STEPS) $(if $(STEP),,--docs)

# Django 6.1 (what a reader starting today gets) on Python 3.12 or newer (3.12 first:
# `make test` has the newest), installed over the lock in a second environment. Step 8
# stays on 5.2: django-celery-beat 2.9 needs Django < 6.1.
PYTHON_NEW ?= $(call find_python,3.12 3.13)
VENV61 := $(CURDIR)/.venv-django61
DJANGO61_STEPS := $(filter-out step08_%,$(ALL_STEPS))

$(VENV61)/.installed: requirements.lock
	@test -n "$(PYTHON_NEW)" || { echo "Django 6.1 needs Python 3.12 or newer: make PYTHON_NEW=python3.12 ..."; exit 1; }
	rm -rf $(VENV61)
	$(call make_venv,$(PYTHON_NEW),$(VENV61))
	$(VENV61)/bin/python -m pip install --quiet --require-hashes -r requirements.lock
	@echo "pip will say that django-celery-beat needs Django < 6.1: expected, step 8 is left out here."
	$(VENV61)/bin/python -m pip install --quiet "Django>=6.1,<6.2"
	touch $@

test-django61: $(VENV61)/.installed
	$(VENV61)/bin/python -c 'import django; print("Django", django.get_version())'
	$(VENV61)/bin/python tools/run_tests.py $(DJANGO61_STEPS)

# The oldest Python the project supports (requires-python), on the lock's Django 5.2.
PYTHON_OLDEST ?= $(call find_python,3.10)
VENV310 := $(CURDIR)/.venv-python310

$(VENV310)/.installed: requirements.lock
	@test -n "$(PYTHON_OLDEST)" || { echo "No Python 3.10 found: make PYTHON_OLDEST=python3.10 ..."; exit 1; }
	rm -rf $(VENV310)
	$(call make_venv,$(PYTHON_OLDEST),$(VENV310))
	$(VENV310)/bin/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

test-python310: $(VENV310)/.installed
	$(VENV310)/bin/python tools/run_tests.py $(ALL_STEPS)

# The checks of the docs site (every page in every language, anchors, snippets, a real build).
test-docs: $(INSTALLED)
	$(BIN)/pytest -c tests/docs/pytest.ini tests/docs

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Needs chromium (apt-get install chromium); the browser tests write them as they go.
screenshots: $(INSTALLED)
	for step in $(filter-out step08_%,$(ALL_STEPS)); do \
	  (cd $$step && $(BIN)/pytest -c pytest.ini -q ../tests/core/test_in_a_browser.py \
	    --screenshots=$(CURDIR)/docs/assets/screenshots) || exit 1; \
	done
	cd $(call step_dir,5) && $(BIN)/pytest -c pytest.ini -q ../tests/jobs_api/test_browser.py \
	  --screenshots=$(CURDIR)/docs/assets/screenshots
	cd $(call step_dir,8) && $(BIN)/pytest -c pytest.ini -q ../tests/celery/test_in_a_browser.py \
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
	rm -rf $(VENV) $(VENV61) $(VENV310) .coverage* site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
