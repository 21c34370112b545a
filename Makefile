# Vietnamese public-services assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python < 3.11, underthesea 9.5 needs >= 3.10: find a 3.10 interpreter.
PYTHON310 ?= $(shell for p in "$$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do [ -x "$$p" ] && echo "$$p" && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL ?= 2
# No usage or crash reports to Rasa's servers (README: Privacy).
export RASA_TELEMETRY_ENABLED ?= false
export NATIONAL_CATALOG ?= $(abspath $(CURDIR)/../shared/data/dichvucong/procedures.jsonl.gz)
# Tests use their own database; `make run` uses DATABASE_URL or var/assistant.db.
TEST_DB := $(CURDIR)/var/test.db

.PHONY: help run test test-services services-deps cluster cluster-deps test-cluster browser-deps lint format unit validate model stories e2e bench eval eval-answers clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@[ -n "$(PYTHON310)" ] || { echo "Python 3.10 not found (pyenv install 3.10.13)"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

run: $(STAMP) ## set up (venv, database, seed catalog, model) and start all servers
	$(BIN)/assistant run

test: lint unit validate stories e2e ## everything CI checks

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check assistant actions tests benchmarks
	$(BIN)/ruff format --check assistant actions tests benchmarks

format: $(STAMP) ## apply ruff formatting and fixes
	$(BIN)/ruff format assistant actions tests benchmarks
	$(BIN)/ruff check --fix assistant actions tests benchmarks

unit: $(STAMP) ## unit and component tests
	$(BIN)/pytest -m "not e2e and not services and not cluster" -q

validate: $(STAMP) ## rasa data validate
	$(BIN)/rasa data validate --fail-on-warnings

model: $(STAMP) ## train the model from the repository's data unless an up-to-date one exists
	$(BIN)/assistant model build

stories: model ## rasa test stories through the real NLU, failing on any wrong prediction
	rm -f $(TEST_DB)
	DATABASE_URL=sqlite:///$(TEST_DB) $(BIN)/assistant catalog import $(NATIONAL_CATALOG) >/dev/null
	DATABASE_URL=sqlite:///$(TEST_DB) $(BIN)/assistant catalog import data/catalog/seed.yml >/dev/null
	DATABASE_URL=sqlite:///$(TEST_DB) $(BIN)/rasa test core --stories tests/test_stories.yml \
	  --model $$($(BIN)/python -c 'from assistant.modelstore import model_path; print(model_path())') \
	  --e2e --fail-on-prediction-errors --out results/stories

browser-deps: ## Debian's Chromium (and an emoji font, as citizens' devices have) for the browser tests, if missing
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi emoji || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; }

e2e: model browser-deps ## real servers on loopback ports, over HTTP and in headless Chromium
	$(BIN)/pytest -m "e2e and not cluster" -q

services-deps: ## PostgreSQL 15 server binaries and Redis (Debian packages) if missing
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v redis-server >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server; }

test-services: model services-deps ## database tests on a throw-away PostgreSQL; Rasa with PostgreSQL tracker store and Redis lock store
	TEST_SERVICES=1 $(BIN)/pytest -q -m "not e2e" tests/catalog tests/dossiers tests/actions tests/feedback tests/handoff tests/petitions tests/privacy tests/services tests/analytics tests/test_tracker_store.py

cluster-deps: ## nginx, PostgreSQL 15 server binaries and Redis (Debian packages) if missing
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null && \
	  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v redis-server >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx postgresql redis-server; }

cluster: $(STAMP) cluster-deps ## PostgreSQL, Redis, CLUSTER_RASA (2) Rasa replicas, CLUSTER_ACTIONS (2) action servers, the portal, nginx on CLUSTER_PORT (8000); Ctrl-C stops all
	$(BIN)/assistant cluster run

test-cluster: model cluster-deps ## whole clusters on loopback: answers through nginx, a reduced load, faults (action server, PostgreSQL, Redis), a model switch (~10 min)
	$(BIN)/pytest -q -s -m cluster tests/cluster

bench: model cluster-deps ## search, import, live-desk, statistics, load (200 conversations × 20 turns on a cluster) and throughput (against Rasa's moodbot) benchmarks (figures + JSON reports in benchmarks/reports)
	$(BIN)/python benchmarks/catalog_import.py
	$(BIN)/python benchmarks/catalog_search.py
	$(BIN)/python benchmarks/dossier_lookup.py --count 200000
	$(BIN)/python benchmarks/desk_latency.py
	$(BIN)/python benchmarks/stats_rollup.py --events 1000000
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/throughput.py --replicas 2

eval-answers: model ## answer correctness on tests/answer_eval (dev set and blind probe) through the real servers
	$(BIN)/python benchmarks/answer_eval.py

eval: model ## NLU accuracy on the held-out split (as written, stripped, informal) vs Rasa's stock pipeline
	$(BIN)/python benchmarks/nlu_eval.py

clean: ## remove the virtualenv, models, databases and reports
	rm -rf $(VENV) models/*.tar.gz var results benchmarks/reports
