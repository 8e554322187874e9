# Sahaya's front door. `make install`, then `make run`; README.md explains each.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
# Rasa 3.6 needs Python 3.10: the first interpreter that really is 3.10.
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo $$p; break; }; done)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: install fonts train run shell validate test test-unit test-backend test-backend-pg test-stories test-conversations eval-nlu bench lint clean

install: $(BIN)/.installed fonts

$(BIN)/.installed: requirements.in requirements.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (install it, e.g. pyenv install 3.10.13)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet "pip<25" "setuptools<70" wheel
	# requirements.lock pins every package, so installs a month apart match.
	$(BIN)/pip install --quiet -r requirements.in -c requirements.lock
	touch $@

# Noto fonts shape Telugu and Devanagari in certificates; poppler renders them to PNG.
fonts:
	@if ! ls /usr/share/fonts/truetype/noto/NotoSansTelugu-Regular.ttf >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q fonts-noto-core poppler-utils >/dev/null; \
		else sudo apt-get install -y -q fonts-noto-core poppler-utils >/dev/null; fi; \
	fi

# Rasa retrains only when data, domain or config changed since the last model.
RASA_TRAIN := $(RASA) train --fixed-model-name sahaya --out models
train:
	$(RASA_TRAIN)

# `make run` starts at once when the model is newer than everything it is
# trained from; asking `rasa train` costs ~100 s even when nothing changed.
MODEL := models/sahaya.tar.gz
$(MODEL): config.yml domain.yml $(shell find data -name '*.yml')
	$(RASA_TRAIN)

run: $(MODEL)
	scripts/run.sh

shell: $(MODEL)
	scripts/run.sh --shell

validate:
	$(BIN)/python -m sahaya.checks
	$(RASA) data validate --fail-on-warnings

lint:
	$(BIN)/ruff check sahaya actions tests bench

test-unit:
	$(BIN)/pytest -q tests --ignore=tests/backend --ignore=tests/conversations

test-backend:
	$(BIN)/pytest -q tests/backend

PG_TEST_URL := postgresql://postgres@127.0.0.1:5432/sahaya_test
test-backend-pg:
	$(BIN)/python -c "import psycopg2; c = psycopg2.connect('postgresql://postgres@127.0.0.1:5432/postgres'); c.autocommit = True; cur = c.cursor(); cur.execute(\"SELECT 1 FROM pg_database WHERE datname = 'sahaya_test'\"); cur.fetchone() or cur.execute('CREATE DATABASE sahaya_test')"
	SAHAYA_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q tests/backend

test-stories: train
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --out results/stories

test-conversations: train
	$(BIN)/pytest -q tests/conversations

eval-nlu: train
	$(BIN)/python -m sahaya.evaluate --model models/sahaya.tar.gz --heldout tests/nlu_heldout --out results/nlu --min-f1 0.90
	$(BIN)/python -m sahaya.evaluate --model models/sahaya.tar.gz --heldout tests/nlu_blind --out results/nlu_blind --min-f1 0.90

test: lint validate test-unit test-backend test-backend-pg test-stories test-conversations eval-nlu

bench: train
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_backend.py

clean:
	rm -rf models/*.tar.gz results var .pytest_cache
