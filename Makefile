# Facilitator — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint layers pytest bench dist system-deps clean demo screenshots mutation

# Create the virtualenv and install the pinned dependencies once (again when pyproject changes).
$(STAMP): pyproject.toml constraints.txt
	@bash scripts/install-system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

run: $(STAMP)
	$(BIN)/python -m facilitator $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint layers pytest

# Mutation testing of the core modules (mutation/config.toml): slow, so not part of `make test`.
# Run it before resolving an issue that touches a core module; MODULE=name for one of them.
mutation: $(STAMP)
	nice -n 10 $(BIN)/python scripts/mutation.py $(if $(MODULE),--module $(MODULE)) $(ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dist]"
	$(BIN)/pyinstaller --noconfirm --clean pyinstaller.spec
	QT_QPA_PLATFORM=offscreen dist/facilitator/facilitator --version
	@# The frozen app must find its migrations and forms: build a throw-away demo and verify it.
	@d=$$(mktemp -d) && FACILITATOR_PASSWORD="smoke test password" dist/facilitator/facilitator \
	  demo --no-keyring --data-dir $$d/data >/dev/null && FACILITATOR_PASSWORD="smoke test password" \
	  dist/facilitator/facilitator verify --no-keyring --user admin --data-dir $$d/data \
	  && rm -rf $$d

# README pictures, from fictional data in a temporary folder (offscreen Qt).
screenshots: $(STAMP)
	for s in shell console console_fit console_theme curriculum pdf notes; do $(BIN)/python scripts/screenshots_$$s.py || exit 1; done

demo: $(STAMP)
	$(BIN)/python -m facilitator demo $(ARGS)

clean:
	rm -rf build dist .pytest_cache .ruff_cache
