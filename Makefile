# Two commands do all the set-up on a fresh machine:
#   make app    create .venv, install, open the dashboard on the embedded digits
#   make test   create/update .venv with the test extras and run the whole suite
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 5006

# TORCH=cpu installs PyTorch's CPU-only wheels first (a few hundred MB instead of the CUDA build that
# pip picks by default on Linux, several GB); it needs download.pytorch.org.
TORCH   ?=

.PHONY: app lab test install install-lab install-test browser screenshots pictures bench demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip wheel
	$(if $(filter cpu,$(TORCH)),$(BIN)/pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[notebook]"
	touch $(VENV)/.installed $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[test]"
	touch $(VENV)/.installed $(VENV)/.installed-lab $@

install: $(VENV)/.installed
install-lab: $(VENV)/.installed-lab
install-test: $(VENV)/.installed-test

app: install
	$(BIN)/panel serve apps/dynamics.py --setup apps/setup.py --port $(PORT) --show

# The course in JupyterLab (notebooks/); `make app` serves the dashboard beside it.
lab: install-lab
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

demo: install
	$(BIN)/explorer run specialization --epochs 10 --seeds 3

# The browser tests drive Debian's chromium; install it where we can (root with apt-get), else say how.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null; \
	  else \
	    echo "browser tests need chromium: run 'sudo apt-get install chromium' (or set EXPLORER_CHROMIUM); they are skipped without it"; \
	  fi; }

test: install-test browser
	$(BIN)/python -m pytest -q tests

# The browser tests again, writing the screenshots the README and docs quote into docs/screenshots/.
screenshots: install-test browser
	EXPLORER_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/browser

# The README's BIMT and growth pictures: each page at its opening setting, trained (minutes on an empty store).
pictures: install-test browser
	$(BIN)/python docs/pictures.py

bench: install-test
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/headline.py
	$(BIN)/python benchmarks/bench_app.py

clean:
	rm -rf $(VENV) build *.egg-info
