# Kentbilim: every set-up step lives here, so a fresh machine needs only Python 3.11+, make and
# (for the web client) Node/npm. `make run` and `make test` install whatever is missing.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WEB_DIR := gateway/web
WEB_DIST := gateway/src/gateway/web/dist
INTEROP_DIR := tests/interop/node
PYTEST := $(PY) -m pytest
WORKERS ?= 1
# make test runs the suite on this many pytest-xdist workers, each with a stack of its own.
TEST_WORKERS ?= 2
PATHS := shared/src services/courses/src services/progress/src services/certificates/src services/notifications/src gateway/src deploy/local

.PHONY: help venv web chromium interop run infra test test-unit test-integration test-e2e test-browser test-interop \
        test-shared test-courses test-progress test-certificates test-notifications test-gateway test-deploy \
        lint format seed token bench soak fuzz schemas smoke clean

help:
	@echo "make run        start the whole suite on embedded servers (Ctrl-C stops it)"
	@echo "make test       every test: unit, integration, end-to-end, fault injection, browser"
	@echo "make test-unit  fast unit tests only"
	@echo "make test-<courses|progress|certificates|notifications|gateway|shared|deploy>  one component"
	@echo "make test-interop  our certificates checked by verifiers that are not ours (Node)"
	@echo "make lint       ruff + mypy"
	@echo "make seed       demo catalogue into a running stack"
	@echo "make token ROLE=trainer SUB=t1 NAME='Aygün Məmmədova'   a development token"
	@echo "make bench      benchmarks (not part of make test)"
	@echo "make soak       30-minute fault-injection soak (MINUTES=10..30, SEED=n; not part of make test)"
	@echo "make fuzz       long fuzzing of GraphQL and every service's OpenAPI (FUZZ_EXAMPLES=5000 per target)"

# --- set-up -------------------------------------------------------------------------------------

$(STAMP): requirements/lock.txt requirements/base.txt requirements/dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/lock.txt
	@# Our components are plain source folders; a .pth file puts them on the venv's path.
	@$(PY) -c "import site, pathlib; root = pathlib.Path.cwd(); \
	  paths = [str(root / p) for p in '$(PATHS)'.split()]; \
	  pathlib.Path(site.getsitepackages()[0], 'kentbilim.pth').write_text('\n'.join(paths) + '\n')"
	@touch $(STAMP)

venv: $(STAMP)

web: $(WEB_DIST)/index.html

$(WEB_DIST)/index.html: $(shell find $(WEB_DIR)/src $(WEB_DIR)/scripts $(WEB_DIR)/public $(WEB_DIR)/index.html $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(WEB_DIR)/vite.config.ts $(WEB_DIR)/tsconfig.json -type f 2>/dev/null)
	@if [ -f $(WEB_DIR)/package.json ]; then \
	  command -v npm >/dev/null || { echo "npm is needed to build the web client"; exit 1; }; \
	  cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else echo "no web client sources yet"; fi

# The independent verifiers of tests/interop (@digitalbazaar/vc, jose, ... under Node), exactly as
# locked; reinstalled only when package.json or the lock file changes.
interop: $(INTEROP_DIR)/node_modules/.installed

$(INTEROP_DIR)/node_modules/.installed: $(INTEROP_DIR)/package.json $(INTEROP_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node 20+) is needed for the interop verifiers in $(INTEROP_DIR)"; exit 1; }
	cd $(INTEROP_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# --- running ------------------------------------------------------------------------------------

run: venv web
	$(PY) -m lms_local run --workers $(WORKERS)

infra: venv
	$(PY) -m lms_local infra

seed: venv
	$(PY) -m courses.seed

ROLE ?= learner
SUB ?= dev-$(ROLE)
NAME ?= Dev $(ROLE)
token: venv
	@$(PY) -m lms_local token --role $(ROLE) --sub "$(SUB)" --name "$(NAME)" $(if $(ORG),--org $(ORG)) \
	  $(if $(MUNICIPALITY),--municipality "$(MUNICIPALITY)") $(if $(LOCALE),--locale $(LOCALE))

# --- tests --------------------------------------------------------------------------------------

test: venv web chromium interop
	$(PYTEST) -q -p no:randomly -n $(TEST_WORKERS) --dist loadfile

test-unit: venv
	$(PYTEST) -q -m unit

test-integration: venv interop
	$(PYTEST) -q -m "not unit and not browser"

test-e2e: venv
	$(PYTEST) -q tests/e2e

test-interop: venv interop
	$(PYTEST) -q tests/interop

test-browser: venv web chromium
	$(PYTEST) -q tests/browser tests/web

test-shared: venv
	$(PYTEST) -q shared/tests tests/contract

test-courses: venv
	$(PYTEST) -q services/courses/tests

test-progress: venv
	$(PYTEST) -q services/progress/tests

test-certificates: venv
	$(PYTEST) -q services/certificates/tests

test-notifications: venv
	$(PYTEST) -q services/notifications/tests

test-gateway: venv
	$(PYTEST) -q gateway/tests

test-deploy: venv
	$(PYTEST) -q deploy/local/tests tests/deploy

# The brief's outside-in smoke check against a stack started with `make run` in another terminal.
smoke: venv
	GATEWAY_URL=http://127.0.0.1:$${LMS_GATEWAY_PORT:-8000} \
	JWT_SECRET=$$($(PY) -m lms_local env | sed -n 's/^export LMS_JWT_SECRET=//p' | tr -d "'\"") \
	$(PY) ../shared/smoke/slice.py

# --- quality ------------------------------------------------------------------------------------

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy shared/src services/courses/src services/progress/src services/certificates/src \
	  services/notifications/src gateway/src deploy/local/lms_local

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schemas: venv
	$(PY) -m lms_shared.events.snapshot --write

bench: venv web
	$(PY) -m pip install --quiet -r requirements/bench.txt
	$(PY) bench/run_all.py

# The fault-injection soak (tests/soak): load on a scaled-out stack while servers and processes fail.
MINUTES ?= 30
soak: venv web
	$(PY) -m tests.soak --minutes $(MINUTES) $(if $(SEED),--seed $(SEED))

# The fuzzing of tests/fuzz (a bounded run is part of make test) with many more examples per target.
FUZZ_EXAMPLES ?= 5000
fuzz: venv
	LMS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) -q -p no:randomly tests/fuzz

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache test-artifacts
