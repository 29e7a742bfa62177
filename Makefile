# Two commands do all the set-up on a fresh machine:
#   make app    create .venv, install, open the dashboard on the embedded digits
#   make test   create/update .venv with the test extras and run the whole suite
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 5006

.PHONY: app test install install-test bench demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip wheel

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

app: install
	$(BIN)/panel serve apps/dynamics.py --setup apps/setup.py --port $(PORT) --show

demo: install
	$(BIN)/explorer run specialization --epochs 10 --seeds 3

test: install-test
	$(BIN)/python -m pytest -q tests --nbmake notebooks

bench: install-test
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/headline.py
	$(BIN)/python benchmarks/bench_app.py

clean:
	rm -rf $(VENV) build *.egg-info
