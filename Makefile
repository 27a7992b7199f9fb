.PHONY: test bench demo

test:
	./run-tests

bench:
	./scripts/with-venv python -m benchmarks $(BENCH)

demo:
	./bedside demo
