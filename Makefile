# Switchyard: the two quick-start commands are `make run` and `make test`.
SWIFT ?= swift
RULES ?= Rules
REQUESTS ?= Examples/requests.jsonl

.PHONY: deps build release run test check clean

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

# Validate the default pack and run every rule's examples.
check: release
	.build/release/switchyard rules check $(RULES)
	.build/release/switchyard rules test $(RULES)

clean:
	rm -rf .build
