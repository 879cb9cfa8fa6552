# evpipe: schema-driven API Gateway -> SQS -> DynamoDB pipeline in C.
# `make help` lists the targets. Everything builds out of tree, in $(BUILD)/.

SHELL      := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
# Keep objects that chained pattern rules would otherwise delete (and rebuild next time).
.SECONDARY:

BUILD      ?= build
PYTHON     ?= python3
CC         ?= cc
SCHEMA     ?= schema/events.schema.json
GENERATED  ?= generated
SUITE_DIR  ?= /usr/share/json-schema-test-suite
FUZZ_SECONDS ?= 60

# Libraries come from pkg-config; `make deps` installs the packages. Expanded
# when used (=, not :=): on a fresh machine deps-quiet installs them first.
PKGS       := libcjson libpcre2-8 libcurl openssl zlib
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs cmocka libmicrohttpd 2>/dev/null)

WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wmissing-prototypes -Wstrict-prototypes
OPT        ?= -O2 -g
SAN        ?=
CFLAGS_ALL  = -std=c11 -D_GNU_SOURCE -fno-strict-aliasing $(OPT) $(SAN) $(WARNINGS) \
              -Isrc -I$(GENERATED) $(PKG_CFLAGS) $(CFLAGS)
# Generated code is compiled with the same warnings; unused static helpers
# of a schema that does not need them are not an error.
GEN_CFLAGS  = $(CFLAGS_ALL) -Wno-unused-function
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
LIBS_ALL    = $(PKG_LIBS) -lpthread -lm

# Modules: every folder under src/ except tools/ is a static library.
MODULES    := $(filter-out tools,$(notdir $(patsubst %/,%,$(wildcard src/*/))))
LIB_FILES  := $(foreach m,$(MODULES),$(BUILD)/lib/libev_$(m).a)
GEN_SRCS   := $(wildcard $(GENERATED)/*.c)
GEN_LIB    := $(BUILD)/lib/libev_generated.a
# Link order: generated code needs schema, aws needs core, schema needs core.
LINK_LIBS   = $(GEN_LIB) $(filter-out %/libev_core.a,$(LIB_FILES)) $(BUILD)/lib/libev_core.a

TOOLS      := $(patsubst src/tools/%.c,$(BUILD)/bin/%,$(wildcard src/tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
GEN_TESTS  := $(patsubst $(GENERATED)/tests/%.c,$(BUILD)/tests/%,$(wildcard $(GENERATED)/tests/test_*.c))
FUZZERS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
ITESTS     := $(patsubst tests/integration/%.c,$(BUILD)/itests/%,$(wildcard tests/integration/*.c))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
# Fakes of outside services (e.g. the Lambda Runtime API) linked into unit tests.
TEST_SUPPORT_LIB := $(BUILD)/lib/libev_testsupport.a

.PHONY: template-tests codegen-tests tools-tests ddb-differential sigv4-differential help deps generate check-generated build test unit conformance suite suite-current number-oracle \
        differential integration bench fuzz sanitize valgrind lint run validator validator-flags schema-check clean format

help:
	@echo "make deps          install missing packages (apt-get when root, else prints the command)"
	@echo "make generate      regenerate $(GENERATED)/ from $(SCHEMA)"
	@echo "make build         build libraries and tools into $(BUILD)/"
	@echo "make test          all tests (unit, number oracle, conformance, official suite, differential, integration, sanitizers)"
	@echo "make number-oracle every number verdict against Python's decimal (part of make test)"
	@echo "make run           run the pipeline locally"
	@echo "make bench         benchmarks side by side with peers; results in bench/results/"
	@echo "make fuzz          run every libFuzzer target for FUZZ_SECONDS (default $(FUZZ_SECONDS))"
	@echo "make sanitize      unit and conformance tests under ASan+UBSan"
	@echo "make valgrind      unit and conformance tests under valgrind"
	@echo "make lint          clang-format check, cfn-lint on template.yaml"
	@echo "make validator SCHEMA=path OUT=dir   build dir/validate for any supported schema"
	@echo "make schema-check SCHEMA=path OUT=dir  generate everything for a schema into dir, build and run its conformance test"
	@echo "make suite-current SUITE=path        run a JSON-Schema-Test-Suite checkout (draft7 + draft2020-12)"

deps:
	@tools/deps.sh

generate: deps-quiet
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(GENERATED)/
	$(PYTHON) tools/template_model.py --model $(GENERATED)/apigw/events.model.json

check-generated: deps-quiet
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(GENERATED)/ --check
	$(PYTHON) tools/template_model.py --model $(GENERATED)/apigw/events.model.json --check

.PHONY: deps-quiet
deps-quiet:
	@tools/deps.sh --quiet

build: deps-quiet $(LIB_FILES) $(GEN_LIB) $(TOOLS)

# ---- compilation -----------------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/obj/$(GENERATED)/%.o: $(GENERATED)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -MMD -MP -c $< -o $@

define module_lib
$(BUILD)/lib/libev_$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m))))

$(GEN_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(GEN_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/src/tools/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

$(TEST_SUPPORT_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/support/*.c))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT_LIB) $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(TEST_SUPPORT_LIB) $(LINK_LIBS) $(LIBS_ALL) $(TEST_LIBS) -o $@

$(BUILD)/tests/test_%_conformance: $(BUILD)/obj/$(GENERATED)/tests/test_%_conformance.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) $(TEST_LIBS) -o $@

$(BUILD)/itests/%: $(BUILD)/obj/tests/integration/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) $(TEST_LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests -----------------------------------------------------------------

test: deps-quiet check-generated build template-tests codegen-tests unit number-oracle conformance tools-tests suite differential ddb-differential sigv4-differential integration sanitize valgrind
	@echo "make test: all test stages passed"

# template.yaml: cfn-lint (with the SAM translator) and the invariants the
# functions rely on (queue size limit, visibility timeout, architecture, ...).
template-tests: deps-quiet
	$(PYTHON) -m unittest discover -s tests/template -t . -v 2>&1 | tail -n 25

codegen-tests: build
	$(VALIDATOR_ENV) $(PYTHON) -m unittest discover -s tests/codegen -t . -v 2>&1 | tail -n 40

unit: $(UNIT_TESTS)
	@tests/run_tests.sh unit $(UNIT_TESTS)

# Every number verdict against an independent exact implementation (Python's
# decimal and integers), on texts of any length and exponent.
NUMBER_DRIVER := $(BUILD)/tests/number_driver
number-oracle: $(NUMBER_DRIVER)
	$(PYTHON) tests/number/number_oracle.py --driver $(NUMBER_DRIVER)

$(NUMBER_DRIVER): $(BUILD)/obj/tests/number/number_driver.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

conformance: $(GEN_TESTS)
	@GENERATED_DIR=$(GENERATED) tests/run_tests.sh conformance $(GEN_TESTS)

# evcheck end to end (long lines, memory limits, error counts) and the
# cJSON version guard of ev_json.c.
tools-tests: build
	EVCHECK=$(BUILD)/bin/evcheck CC=$(CC) $(PYTHON) -m unittest discover -s tests/tools -t . 2>&1 | tail -n 4

# Each group of the suite is compiled the way `make validator` compiles a schema.
suite: build
	$(VALIDATOR_ENV) $(PYTHON) tests/suite/run_suite.py --suite $(SUITE_DIR) --dialect draft7 --build $(BUILD)/suite

# The current upstream suite (draft2020-12 and draft7), from a checkout given as SUITE=path.
suite-current: build
	@test -n "$(SUITE)" || { echo "usage: make suite-current SUITE=/path/to/JSON-Schema-Test-Suite" >&2; exit 2; }
	$(VALIDATOR_ENV) $(PYTHON) tests/suite/run_suite.py --suite $(SUITE) --dialect draft2020-12 --build $(BUILD)/suite-current
	$(VALIDATOR_ENV) $(PYTHON) tests/suite/run_suite.py --suite $(SUITE) --dialect draft7 --build $(BUILD)/suite-current

differential: build
	$(PYTHON) tests/differential/run_differential.py --evcheck $(BUILD)/bin/evcheck --schema $(SCHEMA) --count 12000

ddb-differential: build
	$(PYTHON) tests/differential/ddb_vs_boto3.py --marshal $(BUILD)/bin/evmarshal --fixtures $(GENERATED)/fixtures/events.fixtures.json

sigv4-differential: build
	$(PYTHON) tests/aws/sigv4_differential.py --awsreq $(BUILD)/bin/awsreq

integration: build $(ITESTS)
	@if [ -x tests/integration/run.sh ]; then tests/integration/run.sh $(BUILD); else echo "integration: no integration tests yet"; fi

sanitize:
	$(MAKE) --no-print-directory BUILD=$(BUILD)-asan CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" unit conformance

valgrind: $(UNIT_TESTS) $(GEN_TESTS)
	@VALGRIND=1 tests/run_tests.sh valgrind $(UNIT_TESTS) $(GEN_TESTS)

# ---- fuzzing ---------------------------------------------------------------

FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1

fuzz: deps-quiet
	$(MAKE) --no-print-directory BUILD=$(BUILD)-fuzz CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=all" fuzz-run

.PHONY: fuzz-run
fuzz-run: $(FUZZERS)
	@for f in $(FUZZERS); do \
	    name=$$(basename $$f); corpus=tests/fuzz/corpus/$${name#fuzz_}; mkdir -p $(BUILD)/fuzz-work/$$name; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(BUILD)/fuzz-work/$$name $$corpus; \
	done

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined $< $(LINK_LIBS) $(LIBS_ALL) -o $@

# ---- the rest --------------------------------------------------------------

bench: build $(BENCHES)
	@bench/run.sh $(BUILD)

run: build
	@tools/run.sh $(BUILD)

# How every generated validator is compiled and linked, wherever its folder
# (-I<folder> goes first): make validator, make schema-check, and the suite
# runners and compile tests, which read them from the environment.
VALIDATOR_CFLAGS = $(GEN_CFLAGS)
VALIDATOR_LIBS   = $(filter-out %/libev_core.a,$(LIB_FILES)) $(BUILD)/lib/libev_core.a $(LIBS_ALL)
VALIDATOR_ENV    = EV_CC='$(CC)' EV_VALIDATOR_CFLAGS='$(VALIDATOR_CFLAGS)' EV_VALIDATOR_LIBS='$(VALIDATOR_LIBS)'

validator-flags:
	@echo 'cc=$(CC)'
	@echo 'cflags=$(VALIDATOR_CFLAGS)'
	@echo 'libs=$(VALIDATOR_LIBS)'

# Compile a validator for any schema within the supported keywords.
validator: build
	@test -n "$(OUT)" || { echo "usage: make validator SCHEMA=path OUT=dir" >&2; exit 2; }
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(OUT) --validator-only
	$(CC) -I$(OUT) $(VALIDATOR_CFLAGS) $(OUT)/*.c src/tools/evcheck.c \
	    -DEV_CLI_VALIDATOR=$$(cat $(OUT)/.validator-symbol) $(VALIDATOR_LIBS) -o $(OUT)/validate
	@$(OUT)/validate </dev/null || { echo "validator: $(OUT)/validate cannot start (see above)" >&2; exit 1; }
	@echo "built $(OUT)/validate"

# Everything evgen writes for a schema (types, codecs, fixtures, conformance
# test) into OUT instead of generated/, built and tested there: try a schema
# change before `make generate`.
schema-check: build
	@test -n "$(OUT)" || { echo "usage: make schema-check SCHEMA=path OUT=dir" >&2; exit 2; }
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(OUT)
	$(CC) -I$(OUT) $(VALIDATOR_CFLAGS) $(OUT)/*.c $(OUT)/tests/test_*_conformance.c \
	    $(VALIDATOR_LIBS) $(TEST_LIBS) -o $(OUT)/conformance
	GENERATED_DIR=$(OUT) $(OUT)/conformance

lint: deps-quiet
	@files=$$(git ls-files '*.c' '*.h' | grep -v '^$(GENERATED)/'); clang-format --dry-run -Werror $$files
	@if [ -f template.yaml ]; then cfn-lint template.yaml; else echo "lint: no template.yaml yet"; fi

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^$(GENERATED)/')

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
