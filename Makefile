# Everything runs inside .venv, created on first use from python3 alone, with
# the exact versions in constraints-dev.txt (`make lock` refreshes them).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_INSTALL := -m pip install --quiet --disable-pip-version-check
FILE ?= tests/data/questions.yaml

.PHONY: run test lint typecheck pytest check eval bench soak lock clean

$(STAMP): pyproject.toml constraints-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP_INSTALL) -c constraints-dev.txt --upgrade pip
	$(BIN)/python $(PIP_INSTALL) -c constraints-dev.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Strict on bot/ (pyproject.toml), the default checks on tests/ and bench/.
typecheck: $(STAMP)
	$(BIN)/mypy bot tests bench

pytest: $(STAMP)
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/python -m bot check

# make eval FILE=tests/data/holdout.yaml
eval: $(STAMP)
	$(BIN)/python -m bot eval $(FILE)

bench: $(STAMP)
	$(BIN)/python -m bench

# 5,000 updates, three kill -9s: prints how many were lost or answered twice.
soak: $(STAMP)
	$(BIN)/python -m bench.soak

# The newest releases that pyproject.toml allows, resolved in a scratch venv,
# become the new pins; run `make test` before committing constraints-dev.txt.
lock:
	rm -rf $(VENV)/lock
	$(PYTHON) -m venv $(VENV)/lock
	$(VENV)/lock/bin/python $(PIP_INSTALL) --upgrade pip
	$(VENV)/lock/bin/python $(PIP_INSTALL) -e '.[dev]'
	{ sed '/^[^#]/,$$d' constraints-dev.txt; \
	  $(VENV)/lock/bin/python -m pip freeze --all --exclude-editable \
	  | grep -v -e '^setuptools==' -e '^wheel=='; } > $(VENV)/constraints-dev.txt
	mv $(VENV)/constraints-dev.txt constraints-dev.txt
	rm -rf $(VENV)/lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
