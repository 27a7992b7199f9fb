.PHONY: test bench demo dist dist-check

test:
	./run-tests

bench:
	./scripts/with-venv python -m benchmarks $(BENCH)

demo:
	./bedside demo

dist:
	./scripts/build-dist.sh

dist-check:
	./scripts/dist-check.sh
