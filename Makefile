# Jikocho — the commands a newcomer runs. Each first checks the Debian packages it builds against.
#   make demo    build, create a case from sample evidence, verify it and print a summary
#   make test    build and run every test (what CI runs)
#   make bench   compare Jikocho with peer tools on this machine and print ratios
#   make fuzz    run every libFuzzer target for FUZZ_SECONDS (default 60) each; make fuzz-smoke: 5 s each
#   make install PREFIX=/usr/local   bin/jikocho with share/jikocho/{Playbooks,exercises,web}, docs and shell completion
SWIFT ?= swift
DEPS  := scripts/ensure-deps.sh
PREFIX ?= /usr/local
DESTDIR ?=
# release for users; the test's check of the install layout uses the debug build it has already made.
CONFIGURATION ?= release

.PHONY: all deps build release test demo bench fuzz fuzz-smoke evidence exercises install uninstall docs clean

all: build

deps:
	@bash $(DEPS)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product jikocho

test: deps
	@bash $(DEPS) --with-browser || echo "(headless Chromium missing: the viewer's browser test will skip; install it as above)"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@bash scripts/install-check.sh
	@FUZZ_REQUIRE_COVERAGE=0 bash Fuzz/fuzz.sh 5

install: deps
	$(SWIFT) build -c $(CONFIGURATION) --product jikocho
	@bash scripts/install.sh "$(DESTDIR)$(PREFIX)" "$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/jikocho"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/jikocho" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/jikocho" \
	      "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jikocho" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/jikocho.fish"
	rm -rf "$(DESTDIR)$(PREFIX)/share/jikocho" "$(DESTDIR)$(PREFIX)/share/doc/jikocho"

# docs/cli.md, the reference of every command, is generated from the argument parser's help; a test fails when stale.
docs: build
	$(SWIFT) run jikocho dev cli-reference > docs/cli.md

fuzz: deps
	@bash Fuzz/fuzz.sh $(or $(FUZZ_SECONDS),60)

fuzz-smoke: deps
	@bash Fuzz/fuzz.sh 5

demo: release
	@bash scripts/demo.sh

bench: deps
	@bash $(DEPS) --with-oracles
	$(SWIFT) build -c release --product jikocho
	$(SWIFT) build -c release --product jikocho-bench
	@bash Benchmarks/run.sh

clean:
	rm -rf .build .build-fuzz demo-case demo-case-samples

# The exercises' evidence is generated from seeds by code in the repository; a test fails when Evidence/ is stale.
evidence: build
	$(SWIFT) run jikocho dev exercise water-treatment-remote-setpoint Evidence/water-treatment-remote-setpoint
	$(SWIFT) run jikocho dev exercise lift-station-pump-failure Evidence/lift-station-pump-failure
	$(SWIFT) run jikocho dev exercise file-transfer-appliance-extortion Evidence/file-transfer-appliance-extortion
	$(SWIFT) run jikocho dev exercise supply-chain-monitoring-update Evidence/supply-chain-monitoring-update
	$(SWIFT) run jikocho dev exercise ransomware-factory-double-extortion Evidence/ransomware-factory-double-extortion
	$(SWIFT) run jikocho dev exercise plc-stop-logic-download Evidence/plc-stop-logic-download

# The reference timeline and report of each exercise, made by investigating it; a test fails when Timelines/ is stale.
exercises: build
	@bash scripts/exercises.sh
