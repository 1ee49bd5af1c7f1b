# Everything a fresh machine needs, from python3 alone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck check-gen gen pytest demo bench regen-golden clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,zmq]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check chrono_daemon chrono_wire codegen

typecheck: install
	$(BIN)/mypy chrono_daemon chrono_wire codegen generated examples tests bench

check-gen: install
	$(BIN)/chrono gen schemas/ --check

gen: install
	$(BIN)/chrono gen schemas/
	$(BIN)/chrono graph schemas/ --graph system_stack -o docs/diagrams/system_stack.mmd
	$(BIN)/chrono graph schemas/ --graph system_stack --format dot -o docs/diagrams/system_stack.dot
	-command -v dot >/dev/null && dot -Tsvg docs/diagrams/system_stack.dot -o docs/diagrams/system_stack.svg

pytest: install
	$(BIN)/python -m pytest -n 2

test: lint typecheck check-gen pytest

demo: install
	$(BIN)/chrono gen schemas/
	$(BIN)/python examples/quick_example.py
	PYTHONPATH=. $(BIN)/python examples/system_stack_generated.py
	PYTHONPATH=. $(BIN)/python examples/system_stack_mock.py
	PYTHONPATH=. $(BIN)/python examples/zmq_two_processes.py
	mkdir -p build/demo
	$(BIN)/chrono run schemas/ --graph system_stack --impl examples/system_stack_impl.py --clock sim --record build/demo/run.mcap
	$(BIN)/chrono info build/demo/run.mcap
	$(BIN)/chrono replay build/demo/run.mcap schemas/ --graph system_stack --impl examples/system_stack_impl.py --check
	$(BIN)/chrono replay build/demo/run.mcap schemas/ --graph system_stack --impl examples/system_stack_impl.py --replace s1_policy --check
	$(BIN)/chrono launch schemas/ --graph system_stack --impl examples/system_stack_impl.py --record build/demo/split.mcap
	$(BIN)/chrono replay build/demo/split.mcap schemas/ --graph system_stack --impl examples/system_stack_impl.py --record build/demo/split-replayed.mcap
	$(BIN)/chrono launch schemas/ --graph system_stack --impl examples/system_stack_impl.py --clock sim --until 10

regen-golden: install
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/codegen -k golden

bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,zmq,bench]"
	PYTHONPATH=. $(BIN)/python bench/simclock.py
	PYTHONPATH=. $(BIN)/python bench/channel.py
	PYTHONPATH=. $(BIN)/python bench/zmq.py
	PYTHONPATH=. $(BIN)/python bench/codegen.py
	PYTHONPATH=. $(BIN)/python bench/record.py
	PYTHONPATH=. $(BIN)/python bench/deploy.py
	PYTHONPATH=. $(BIN)/python bench/lockstep.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
