# make run        the application on http://127.0.0.1:$${PORT:-8000} (embedded PostgreSQL/Redis
#                 unless DATABASE_URL/REDIS_URL are set); Ctrl-C stops everything
# make test       pytest, with the same services; extra arguments via PYTEST_ARGS="..."; first makes
#                 sure Debian's chromium is there for the browser tests (installs it when run as root)
# make lint       ruff check + ruff format --check
# make typecheck  mypy
# make mutation   mutation testing of the core, by hand (devserver/mutation.py; not in make test)
# make bench      every benchmark in its short form, with the same services as make test; writes
#                 bench/RESULTS.md and bench/plots/*.png; options via BENCH_ARGS="--only intake,lists"
# make faults     the fault suite, by hand: 1,000 aanvragen through 2 web and 3 worker processes while
#                 workers are killed, Redis and PostgreSQL restart and the ZGW APIs fail (its own servers,
#                 never DATABASE_URL/REDIS_URL); prints the checks. FAULTS_ARGS="--aanvragen 200 --outage 120"
#                 (a short form runs in make test: tests/faults/test_fault_suite.py)
#
# Every target first makes sure .venv exists (Python 3.12) and has requirements-dev.txt installed; pip
# runs again only when a requirements file is newer than the stamp file.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
PYTEST_ARGS ?=

# Python 3.12 for the virtualenv: pyenv's 3.12.1 when pyenv is installed, else python3.12 on PATH.
# Override with `make PYTHON312=/path/to/python3.12 ...`.
ifndef PYTHON312
PYTHON312 := $(shell \
	if command -v pyenv >/dev/null 2>&1 && [ -x "$$(pyenv root)/versions/3.12.1/bin/python" ]; then \
		echo "$$(pyenv root)/versions/3.12.1/bin/python"; \
	else \
		command -v python3.12 2>/dev/null; \
	fi)
endif

IS_312 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'

.PHONY: venv chromium run test lint typecheck mutation bench faults

venv: $(STAMP)

$(PY):
	@if [ -z "$(PYTHON312)" ]; then \
		echo 'error: Python 3.12 not found: neither $$(pyenv root)/versions/3.12.1/bin/python nor python3.12 on PATH.' >&2; \
		echo '       Install Python 3.12 (e.g. pyenv install 3.12.1) or run: make PYTHON312=/path/to/python3.12' >&2; \
		exit 1; \
	fi
	@"$(PYTHON312)" $(IS_312) 2>/dev/null || { echo "error: $(PYTHON312) is not a working Python 3.12" >&2; exit 1; }
	"$(PYTHON312)" -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	@$(PY) $(IS_312) || { echo "error: $(VENV) is not Python 3.12; remove it and run make again" >&2; exit 1; }
	@echo "Installing requirements-dev.txt (runtime + development tools) into $(VENV) ..."
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The browser tests (tests/browser) drive the system chromium through Playwright (requirements-dev.txt);
# Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing chromium for the browser tests (apt-get) ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo 'error: the browser tests (tests/browser) need chromium on PATH.' >&2; \
			echo '       Install it (Debian: sudo apt-get install chromium) or run make test as root.' >&2; \
			exit 1; \
		fi; \
	}

run: $(STAMP)
	$(PY) -m devserver.launcher run

# The launcher passes DATABASE_URL/REDIS_URL through when set (CI), otherwise starts embedded servers
# for the duration of the run. pytest-django creates its own test database (test_regiekoppeling).
test: $(STAMP) chromium
	$(PY) -m devserver.launcher exec -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The django-stubs plugin imports the settings, which want a secret (never needed for checking types).
typecheck: $(STAMP)
	ALLOW_DEV_SECRET=1 $(VENV)/bin/mypy .

# Mutation testing of the core, by hand (about half an hour; not part of `make test`):
# prints the score per module and the survivors. MUTATION_ARGS="--module regiekoppeling/rules.py".
MUTATION_ARGS ?=
mutation: $(STAMP)
	$(PY) -m devserver.launcher exec -- $(PY) -m devserver.mutation $(MUTATION_ARGS)

# The benchmarks in their short form (bench/run_all.py; minutes, not part of make test). Each gets a
# database and a Redis database of its own on the servers the launcher passes on (or starts).
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m devserver.launcher exec -- $(PY) -m bench.run_all $(BENCH_ARGS)

# The fault suite (devserver/faults/, README "Fault suite"): starts and restarts servers of its own in a
# temporary directory, so it runs outside the launcher. FAULTS_ARGS="--aanvragen 1000 --outage 180".
FAULTS_ARGS ?=
faults: $(STAMP)
	$(PY) -m devserver.faults $(FAULTS_ARGS)
