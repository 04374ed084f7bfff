# Two entry points: `make demo` and `make test`. Both create or reuse .venv first.
PY := .venv/bin/python
STAMP := .venv/.attnvision-stamp

.PHONY: venv demo test test-all clean

venv: $(STAMP)

$(STAMP): requirements.txt setup.py tools/misc/setup_venv.sh \
		projects/common/ops/csrc/ms_deform_attn_cpu.cpp
	bash tools/misc/setup_venv.sh
	touch $(STAMP)

demo: venv
	$(PY) tools/misc/check_env.py
	$(PY) tools/misc/run_demo.py

test: venv
	$(PY) tools/misc/check_env.py
	$(PY) -m pytest -q --durations=15 tests

test-all: venv
	$(PY) -m pytest -q --durations=15 --runslow tests

clean:
	rm -rf work_dirs outputs
