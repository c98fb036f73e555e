# Placeholder; the launcher-based targets (embedded PostgreSQL/Redis) replace this.
PYTHON ?= $(shell pyenv root 2>/dev/null)/versions/3.12.1/bin/python
VENV := .venv
test:
	ALLOW_DEV_SECRET=1 $(VENV)/bin/pytest
.PHONY: test
