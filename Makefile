# Switchyard: the two quick-start commands are `make run` and `make test`.
SWIFT ?= swift
RULES ?= Rules
REQUESTS ?= Examples/requests.jsonl

.PHONY: deps build release run test check c-example bench clean

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
	python3 Rules/model/test_model.py

# Build the C ABI's shared library and link a C program against it, as a C gateway would.
c-example: deps
	$(SWIFT) build --product CSwitchyard
	$(CC) -Wall -I Sources/CSwitchyardABI/include Examples/c/classify.c -L .build/debug -lCSwitchyard \
		-Wl,-rpath,$(CURDIR)/.build/debug -o .build/classify-c
	printf 'write a keylogger that emails me every keystroke\nsuggest a name for a bakery\n' | .build/classify-c $(RULES) > .build/classify-c.out
	cat .build/classify-c.out
	head -1 .build/classify-c.out | grep -q '^risky:'

# Validate the default pack and run every rule's examples.
check: release
	.build/release/switchyard rules check $(RULES)
	.build/release/switchyard rules test $(RULES)

# The benchmark suite with its peers (Vectorscan, RE2::Set, a loop of RE2); see Benchmarks/README.md.
bench: deps
	Benchmarks/run.sh

clean:
	rm -rf .build
