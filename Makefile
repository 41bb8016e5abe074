# Switchyard: the two quick-start commands are `make run` and `make test`.
SWIFT ?= swift
RULES ?= Rules
REQUESTS ?= Examples/requests.jsonl

.PHONY: deps build release run test test-report-browser check c-example example-gateway bench fuzz golden sanitize test-allocations-release clean

deps:
	@.ci/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product switchyard

# Classify the sample requests with the built-in rule pack (one verdict per line, with --explain).
run: release
	.build/release/switchyard classify --rules $(RULES) --explain < $(REQUESTS)

# Unit, loader, rule-example and end-to-end stream tests.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) c-example
	$(MAKE) example-gateway
	python3 Rules/model/test_model.py
	$(MAKE) test-report-browser

# Render `switchyard report --format html` in headless Chromium and check it (no script, nothing
# fetched, cards, charts and tables agree with the json report, no overflow at 1280 and 480 px).
# Uses the debug build that `make test` has just made (a release build would add minutes to CI).
test-report-browser: deps
	$(SWIFT) build --product switchyard
	python3 Tests/Browser/check-html-report.py --switchyard .build/debug/switchyard --rules $(RULES)

# Build the C ABI's shared library and link a C program against it, as a C gateway would.
c-example: deps
	$(SWIFT) build --product CSwitchyard
	$(CC) -Wall -I Sources/CSwitchyardABI/include Examples/c/classify.c -L .build/debug -lCSwitchyard \
		-Wl,-rpath,$(CURDIR)/.build/debug -o .build/classify-c
	printf 'write a keylogger that emails me every keystroke\nsuggest a name for a bakery\n' | .build/classify-c $(RULES) > .build/classify-c.out
	cat .build/classify-c.out
	head -1 .build/classify-c.out | grep -q '^risky:'

# Build and run Examples/gateway, a separate package that uses only the `Switchyard` product's
# public API, as a Swift gateway would: it fails to build if something a gateway needs is not
# public, and exits non-zero if a decision is not the expected one.
example-gateway: deps
	$(SWIFT) run --package-path Examples/gateway gateway-example $(RULES)

# Validate the default pack and run every rule's examples.
check: release
	.build/release/switchyard rules check $(RULES)
	.build/release/switchyard rules test $(RULES)

# The benchmark suite with its peers (Vectorscan, RE2::Set, a loop of RE2); see Benchmarks/README.md.
bench: deps
	Benchmarks/run.sh

# libFuzzer targets (the nested package Fuzz/, built with -sanitize=fuzzer,address): each runs
# for FUZZ_SECONDS; inputs that crash or break an invariant are kept in Fuzz/Regressions/<target>/.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# Rewrite Tests/Golden/*.expected.jsonl with the current pack and policy; run after an intended
# detection change and review the diff (GoldenCorpusTests compares them byte for byte).
golden: deps
	$(SWIFT) build --product switchyard
	Tests/Golden/run.sh .build/debug/switchyard classify > Tests/Golden/classify.expected.jsonl
	Tests/Golden/run.sh .build/debug/switchyard route > Tests/Golden/route.expected.jsonl
	git diff --stat -- Tests/Golden || true

# The unit tests under AddressSanitizer, then ThreadSanitizer, each in its own build directory.
# SANITIZE_TEST_ARGS narrows them, e.g. SANITIZE_TEST_ARGS="--filter SwitchyardRulesTests".
# Leak checking is off: at exit LeakSanitizer reports about 370 KB whose every direct root is in
# Foundation or XCTest (Data(contentsOf:), Process.run and FileHandle weak references), not ours.
SANITIZE_TEST_ARGS ?=
sanitize: deps
	$(SWIFT) build --build-tests --sanitize=address --build-path .build-asan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --build-path .build-asan $(SANITIZE_TEST_ARGS)
	$(SWIFT) build --build-tests --sanitize=thread --build-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --build-path .build-tsan $(SANITIZE_TEST_ARGS)

# The allocation tests (AllocationTests) in a release build, where the optimiser has had its say.
test-allocations-release: deps
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing --build-path .build-release-tests
	$(SWIFT) test -c release --skip-build --build-path .build-release-tests --filter AllocationTests

clean:
	rm -rf .build .build-asan .build-tsan .build-release-tests Fuzz/.build
