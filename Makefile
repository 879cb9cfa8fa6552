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

# Modules: every folder under src/ is a static library, except tools/ and
# bootstrap/, which hold programs (one main per file).
MODULES    := $(filter-out tools bootstrap,$(notdir $(patsubst %/,%,$(wildcard src/*/))))
LIB_FILES  := $(foreach m,$(MODULES),$(BUILD)/lib/libev_$(m).a)
GEN_SRCS   := $(wildcard $(GENERATED)/*.c)
GEN_LIB    := $(BUILD)/lib/libev_generated.a
# A group, so the project's libraries may need each other in any order
# (functions need runtime, aws, schema and core; the generated code needs schema).
LINK_LIBS   = -Wl,--start-group $(GEN_LIB) $(LIB_FILES) -Wl,--end-group

TOOLS      := $(patsubst src/tools/%.c,$(BUILD)/bin/%,$(wildcard src/tools/*.c))
# The Lambda functions' bootstraps (src/bootstrap/NAME.c), built for this
# machine: the same programs the packages hold, used by the function tests
# and the local stack.
BOOTSTRAPS := $(patsubst src/bootstrap/%.c,$(BUILD)/bin/%-bootstrap,$(wildcard src/bootstrap/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
GEN_TESTS  := $(patsubst $(GENERATED)/tests/%.c,$(BUILD)/tests/%,$(wildcard $(GENERATED)/tests/test_*.c))
FUZZERS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# The fuzz targets linked without libFuzzer (tests/fuzz/replay_main.c).
FUZZ_REPLAYS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(wildcard tests/fuzz/fuzz_*.c))
ITESTS     := $(patsubst tests/integration/%.c,$(BUILD)/itests/%,$(wildcard tests/integration/*.c))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
# Fakes of outside services (e.g. the Lambda Runtime API) linked into unit tests.
TEST_SUPPORT_LIB := $(BUILD)/lib/libev_testsupport.a

.PHONY: chaos chaos-short devserver-tests functions e2e template-tests codegen-tests tools-tests ddb-differential sigv4-differential help deps generate check-generated build test unit conformance suite suite-current number-oracle \
        differential integration bench fuzz sanitize valgrind lint run validator validator-flags schema-check clean format

help:
	@echo "make deps          install missing packages (apt-get when root, else prints the command)"
	@echo "make generate      regenerate $(GENERATED)/ from $(SCHEMA)"
	@echo "make build         build libraries and tools into $(BUILD)/"
	@echo "make test          all tests (unit, conformance, official suite, differentials, functions, local stack, e2e, chaos, packages, sanitizers)"
	@echo "make number-oracle every number verdict against Python's decimal (part of make test)"
	@echo "make run           the whole pipeline on 127.0.0.1: API :3000, dashboard :3001 (PORT=, DATA_DIR=, ...)"
	@echo "make functions     the bootstraps against a fake Runtime API and the emulators (part of make test)"
	@echo "make devserver-tests  devserver on the emulators with test bootstraps (part of make test)"
	@echo "make e2e           the local stack end to end: make run, dashboard, evtail, the pipeline (part of make test)"
	@echo "make chaos [EVENTS=5000 SEED=1 RATE=0.05]  faults injected, then the no-loss invariant (docs/chaos.md)"
	@echo "make bench         benchmarks side by side with peers; results in bench/results/"
	@echo "make fuzz          run every libFuzzer target for FUZZ_SECONDS (default $(FUZZ_SECONDS))"
	@echo "make sanitize      every stage running our C code under ASan+UBSan, the threaded code under TSan"
	@echo "make tsan          devserver, the concurrent DynamoDB writes and a short end-to-end run under TSan"
	@echo "make valgrind      unit and conformance tests under valgrind"
	@echo "make lint          clang-format check, cfn-lint on template.yaml"
	@echo "make package       the functions' Lambda zips in $(BUILD)/lambda/, with their sizes (docs/deploy.md)"
	@echo "make lambda-package PROG=awsreq  a tool packaged the way the functions are (zip in $(BUILD)/lambda/)"
	@echo "make package-tests the packages' glibc check, chroot runs and sizes (part of make test)"
	@echo "make validator SCHEMA=path OUT=dir   build dir/validate for any supported schema"
	@echo "make schema-check SCHEMA=path OUT=dir  generate everything for a schema into dir, build and run its conformance test"
	@echo "make suite-current SUITE=path        run a JSON-Schema-Test-Suite checkout (draft7 + draft2020-12)"
	@echo "make schema-diff [OLD=file | BASE=ref] [NEW=file]  who a schema change breaks (docs/schema-evolution.md)"
	@echo "make schema-compat  fail on a breaking schema change that keeps the version (part of make test)"

deps:
	@tools/deps.sh

# Released versions (docs/schema-evolution.md): the previous one's decoder is
# generated beside the current one; a breaking change that keeps the version
# is refused unless ALLOW_BREAKING=1.
HISTORY    ?= schema/history
EVOLUTION_FLAGS = --history $(HISTORY) $(if $(ALLOW_BREAKING),--allow-breaking)

generate: deps-quiet
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(GENERATED)/ $(EVOLUTION_FLAGS)
	$(PYTHON) tools/template_model.py --model $(GENERATED)/apigw/events.model.json

check-generated: deps-quiet
	$(PYTHON) codegen/generate.py --schema $(SCHEMA) --out $(GENERATED)/ --check $(EVOLUTION_FLAGS)
	$(PYTHON) tools/template_model.py --model $(GENERATED)/apigw/events.model.json --check

.PHONY: deps-quiet
deps-quiet:
	@tools/deps.sh --quiet

build: deps-quiet $(LIB_FILES) $(GEN_LIB) $(TOOLS) $(BOOTSTRAPS)

# ---- compilation -----------------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/obj/$(GENERATED)/%.o: $(GENERATED)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -MMD -MP -c $< -o $@

# $(call module_lib,MODULE,DIR): DIR/lib/libev_MODULE.a from DIR/obj/src/MODULE/*.o
define module_lib
$(2)/lib/libev_$(1).a: $(patsubst %.c,$(2)/obj/%.o,$(wildcard src/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m),$(BUILD))))

$(GEN_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(GEN_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/src/tools/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

$(BUILD)/bin/%-bootstrap: $(BUILD)/obj/src/bootstrap/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

# devserver: libmicrohttpd (its HTTP servers) and libyaml (template.yaml),
# linked only into the programs that use them.
DEVSERVER_LIBS = $(shell pkg-config --libs libmicrohttpd yaml-0.1 2>/dev/null)
$(BUILD)/bin/devserver: LIBS_ALL += $(DEVSERVER_LIBS)
$(BUILD)/tests/test_devserver_%: LIBS_ALL += $(DEVSERVER_LIBS)
$(BUILD)/fuzz/fuzz_template_yaml $(BUILD)/fuzz/fuzz_proxy_response $(BUILD)/fuzz/fuzz_gateway_request: LIBS_ALL += $(DEVSERVER_LIBS)

# devserver's test bootstraps (tests/devserver/*.c), on the project's runtime.
DEVSERVER_TEST_BINS := $(patsubst tests/devserver/%.c,$(BUILD)/devserver-tests/%,$(wildcard tests/devserver/*.c))
$(BUILD)/devserver-tests/%: $(BUILD)/obj/tests/devserver/%.o $(GEN_LIB) $(LIB_FILES)
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

-include $(shell find $(BUILD)/obj $(BUILD)/lambda-obj -name '*.d' 2>/dev/null)

# ---- Lambda packages (docs/deploy.md) --------------------------------------
# A package is one `bootstrap` for provided.al2023 that needs nothing but
# glibc 2.34: OpenSSL, libcurl and cJSON built static from Debian's source
# packages by tools/vendor.sh (pinned in packaging/vendor.lock, built once into
# $(BUILD)/vendor/), Debian's static PCRE2 and zlib (for CRC32), the project's
# code compiled again with the flags below.

space      := $(subst ,, )
LAMBDA_OPT ?= -O2
# OpenSSL: `source` builds Debian's openssl source as a TLS client only
# (awsreq: 1.32 MB zipped); `debian` links libssl-dev's archives (1.70 MB).
LAMBDA_OPENSSL ?= source
LAMBDA_FLAVOUR := $(subst -,,$(subst $(space),,$(LAMBDA_OPT)))$(if $(filter debian,$(LAMBDA_OPENSSL)),-debssl)
LAMBDA_DIR ?= $(BUILD)/lambda$(if $(filter O2,$(LAMBDA_FLAVOUR)),,-$(LAMBDA_FLAVOUR))
LAMBDA_OBJ := $(BUILD)/lambda-obj/$(LAMBDA_FLAVOUR)
VENDOR_DIR := $(BUILD)/vendor/$(LAMBDA_FLAVOUR)
VENDOR_STAMP := $(VENDOR_DIR)/.stamp
LAMBDA_MAX_GLIBC := 2.34
# Sections per function for --gc-sections; no unwind tables (C, never unwound).
LAMBDA_CODEGEN := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
                  -fstack-protector-strong -D_FORTIFY_SOURCE=2
LAMBDA_CFLAGS = -std=c11 -D_GNU_SOURCE -fno-strict-aliasing $(LAMBDA_OPT) $(LAMBDA_CODEGEN) $(WARNINGS) \
                -Isrc -I$(GENERATED) -isystem $(VENDOR_DIR)/include $(CFLAGS)
# -no-pie: a position-independent program carries a relocation for every
# pointer in OpenSSL's tables (about 450 KB); packed relocations (DT_RELR)
# would shrink them but need glibc 2.36. Libraries, stack and heap are still
# randomised; only the program's own addresses are fixed.
LAMBDA_PIE ?= -no-pie
LAMBDA_LDFLAGS = $(LAMBDA_PIE) -s -Wl,--gc-sections -Wl,-O1 -Wl,-z,relro -Wl,-z,now -Wl,--as-needed $(LDFLAGS)
LAMBDA_MODLIBS := $(foreach m,$(MODULES),$(LAMBDA_OBJ)/lib/libev_$(m).a) $(LAMBDA_OBJ)/lib/libev_generated.a
# A group, so the project's libraries may need each other in any order.
LAMBDA_LINK = -Wl,--start-group $(LAMBDA_MODLIBS) -Wl,--end-group \
              $(addprefix $(VENDOR_DIR)/lib/,libcurl.a libcjson.a libpcre2-8.a libssl.a libcrypto.a libz.a) \
              -lpthread -lm -ldl

# Functions of template.yaml (NAME:SOURCE) and the tools, packaged the same way.
LAMBDA_FUNCTIONS := IngestionFunction:src/bootstrap/ingestion.c ProcessingFunction:src/bootstrap/processing.c
lambda_name   = $(word 1,$(subst :, ,$(1)))
lambda_source = $(word 2,$(subst :, ,$(filter $(1):%,$(LAMBDA_FUNCTIONS))))
LAMBDA_TOOLS  := $(notdir $(TOOLS))
# Functions whose source exists today.
LAMBDA_PRESENT = $(foreach f,$(LAMBDA_FUNCTIONS),$(if $(wildcard $(word 2,$(subst :, ,$(f)))),$(call lambda_name,$(f))))

.PHONY: lambda-arch lambda-vendor lambda-package package package-tests build-IngestionFunction build-ProcessingFunction

lambda-arch:
	@tools/lambda_arch.sh template.yaml $(CC) >/dev/null

lambda-vendor: $(VENDOR_STAMP)

# vendor.sh runs every time: it checks the lock against what is installed and
# leaves the stamp untouched (nothing rebuilt) when nothing changed.
$(VENDOR_STAMP): FORCE
	@tools/vendor.sh --out $(VENDOR_DIR) --openssl $(LAMBDA_OPENSSL) --opt "$(LAMBDA_OPT)" --cc $(CC)

.PHONY: FORCE
FORCE:

$(LAMBDA_OBJ)/obj/%.o: %.c $(VENDOR_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LAMBDA_CFLAGS) -MMD -MP -c $< -o $@

$(LAMBDA_OBJ)/obj/$(GENERATED)/%.o: $(GENERATED)/%.c $(VENDOR_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LAMBDA_CFLAGS) -Wno-unused-function -MMD -MP -c $< -o $@

$(foreach m,$(MODULES),$(eval $(call module_lib,$(m),$(LAMBDA_OBJ))))

$(LAMBDA_OBJ)/lib/libev_generated.a: $(patsubst %.c,$(LAMBDA_OBJ)/obj/%.o,$(GEN_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# $(call lambda_program,NAME,SOURCE): $(LAMBDA_DIR)/NAME/bootstrap, the program
# whose main is in SOURCE, stripped and checked (glibc version, libraries), with
# its link map as $(LAMBDA_DIR)/NAME.map; and $(LAMBDA_DIR)/NAME.zip holding it.
# The zip is reproducible: fixed time stamp, no extra attributes.
define lambda_program
$(LAMBDA_DIR)/$(1)/bootstrap: $(patsubst %.c,$(LAMBDA_OBJ)/obj/%.o,$(2)) $(LAMBDA_MODLIBS) $(VENDOR_STAMP) | lambda-arch
	@mkdir -p $$(dir $$@)
	$(CC) $(LAMBDA_LDFLAGS) -Wl,-Map=$(LAMBDA_DIR)/$(1).map $$< $(LAMBDA_LINK) -o $$@
	@tools/elf_check.sh --max-glibc $(LAMBDA_MAX_GLIBC) $$@

$(LAMBDA_DIR)/$(1).zip: $(LAMBDA_DIR)/$(1)/bootstrap
	@rm -rf $$@ $$@.stage && mkdir -p $$@.stage
	@cp $$< $$@.stage/bootstrap && chmod 0755 $$@.stage/bootstrap && TZ=UTC touch -t 198001020000 $$@.stage/bootstrap
	cd $$@.stage && TZ=UTC zip -q -X -9 ../$$(notdir $$@) bootstrap
	@rm -rf $$@.stage
endef
$(foreach t,$(LAMBDA_TOOLS),$(eval $(call lambda_program,$(t),src/tools/$(t).c)))
$(foreach f,$(LAMBDA_FUNCTIONS),$(eval $(call lambda_program,$(call lambda_name,$(f)),$(word 2,$(subst :, ,$(f))))))

# `make lambda-package PROG=awsreq`: any tool packaged as a function would be.
lambda-package:
	@case " $(LAMBDA_TOOLS) $(LAMBDA_PRESENT) " in *" $(PROG) "*) ;; \
	  *) echo "usage: make lambda-package PROG=name, with name one of: $(LAMBDA_TOOLS) $(LAMBDA_PRESENT)" >&2; exit 2 ;; esac
	@$(MAKE) --no-print-directory $(LAMBDA_DIR)/$(PROG).zip
	@tools/lambda_report.sh $(LAMBDA_DIR)/$(PROG).zip

# sam build (BuildMethod: makefile) runs these with ARTIFACTS_DIR set.
build-IngestionFunction build-ProcessingFunction: build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "$@: ARTIFACTS_DIR is not set (sam build sets it; by hand: make $@ ARTIFACTS_DIR=dir)" >&2; exit 2; }
	@test -f "$(call lambda_source,$*)" || { echo "$@: $(call lambda_source,$*) does not exist: the $* bootstrap has no source to build from" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@# One at a time: sam build --parallel runs both targets at once, on the same objects.
	@flock $(BUILD)/.lambda.lock $(MAKE) --no-print-directory $(LAMBDA_DIR)/$*/bootstrap
	mkdir -p "$(ARTIFACTS_DIR)" && cp $(LAMBDA_DIR)/$*/bootstrap "$(ARTIFACTS_DIR)/bootstrap"

# Both functions' zips, as `sam deploy` would upload them, with their sizes.
package: lambda-arch
	@for f in $(foreach f,$(LAMBDA_FUNCTIONS),$(f)); do src=$${f#*:}; \
	  test -f "$$src" || { echo "package: $$src does not exist: the $${f%%:*} bootstrap has no source to build from" >&2; exit 1; }; done
	@$(MAKE) --no-print-directory $(foreach f,$(LAMBDA_FUNCTIONS),$(LAMBDA_DIR)/$(call lambda_name,$(f)).zip)
	@tools/lambda_report.sh $(foreach f,$(LAMBDA_FUNCTIONS),$(LAMBDA_DIR)/$(call lambda_name,$(f)).zip)

# The packages of the tools (and of the functions whose source exists) run in
# a chroot holding nothing but the package and glibc; see tests/package/run.sh.
# Both OpenSSL choices are tested, so the one not in use stays a real option.
# The tests build what Debian serves when a pinned upload was superseded
# (with a warning), so a security update does not fail them; `make package`
# and sam build stay strict.
package-tests: build lambda-arch
	@VENDOR_LOCK_POLICY=newest $(MAKE) --no-print-directory package-tests-one LAMBDA_OPENSSL=source
	@VENDOR_LOCK_POLICY=newest $(MAKE) --no-print-directory package-tests-one LAMBDA_OPENSSL=debian

.PHONY: package-tests-one
package-tests-one: $(foreach p,awsreq evcheck $(LAMBDA_PRESENT),$(LAMBDA_DIR)/$(p).zip)
	@echo "package-tests: OpenSSL $(LAMBDA_OPENSSL), $(LAMBDA_OPT), packages in $(LAMBDA_DIR)"
	@tests/package/run.sh --lambda-dir $(LAMBDA_DIR) --bin $(BUILD)/bin --max-glibc $(LAMBDA_MAX_GLIBC) \
	    --functions "$(LAMBDA_PRESENT)"

# ---- tests -----------------------------------------------------------------

test: deps-quiet check-generated schema-compat build template-tests codegen-tests evolution-tests unit number-oracle conformance tools-tests suite differential ddb-differential sigv4-differential integration functions devserver-tests e2e chaos-short package-tests sanitize valgrind
	@echo "make test: all test stages passed"

# template.yaml: cfn-lint (with the SAM translator) and the invariants the
# functions rely on (queue size limit, visibility timeout, architecture, ...).
template-tests: deps-quiet
	$(PYTHON) -m unittest discover -s tests/template -t . -v 2>&1 | tail -n 25

codegen-tests: build
	$(VALIDATOR_ENV) $(PYTHON) -m unittest discover -s tests/codegen -t . -v 2>&1 | tail -n 40

# The schema-change classifier against samples judged by compiled validators
# (tests/evolution/), and the generator's refusal of unbumped breaking changes.
.PHONY: evolution-tests
evolution-tests: build
	$(VALIDATOR_ENV) $(PYTHON) -m unittest discover -s tests/evolution -t . -v 2>&1 | tail -n 40

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
	EVCHECK=$(BUILD)/bin/evcheck EVMARSHAL=$(BUILD)/bin/evmarshal CC=$(CC) $(PYTHON) -m unittest discover -s tests/tools -t . 2>&1 | tail -n 4

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

# The functions' bootstraps as Lambda runs them: each tests/functions/*_run.sh
# drives one against a fake Runtime API and the emulators, on loopback.
FUNCTION_TESTS := $(sort $(wildcard tests/functions/*_run.sh))
functions: build
	@set -e; if [ -z "$(FUNCTION_TESTS)" ]; then echo "functions: no function tests yet"; fi; \
	for t in $(FUNCTION_TESTS); do BUILD=$(BUILD) $$t; done

# devserver on fauxqs and dynalite with test bootstraps: requests, crashes,
# timeouts, the SQS event source mapping, the dead-letter queue, the dashboard.
devserver-tests: build $(DEVSERVER_TEST_BINS)
	@tests/devserver/run.sh $(BUILD)

# The local stack and the whole pipeline on loopback (tests/e2e/run.sh):
# make run's script, the dashboard in headless chromium, evtail, and the
# end-to-end tests (LOAD_EVENTS=10000 by default).
e2e: build
	@tests/e2e/run.sh $(BUILD)

# Faults injected into the running local stack (tests/chaos/run_chaos.py),
# then the no-loss invariant. `make chaos EVENTS=20000 SEED=7 RATE=0.1`;
# the short form runs in `make test`.
EVENTS ?= 5000
SEED   ?= 1
RATE   ?= 0.05
chaos: build
	$(PYTHON) -m unittest tests/chaos/test_invariant.py 2>&1 | tail -n 1
	$(PYTHON) tests/chaos/run_chaos.py --build $(BUILD) --events $(EVENTS) --seed $(SEED) --rate $(RATE)

chaos-short: build
	$(PYTHON) -m unittest tests/chaos/test_invariant.py 2>&1 | tail -n 1
	$(PYTHON) tests/chaos/run_chaos.py --build $(BUILD) --events 400 --seed $(SEED) --rate $(RATE)

integration: build $(ITESTS)
	@if [ -x tests/integration/run.sh ]; then tests/integration/run.sh $(BUILD); else echo "integration: no integration tests yet"; fi

# Every stage that runs our C code, built with ASan+UBSan (LeakSanitizer on),
# then the threaded code (devserver, the concurrent DynamoDB writes) under
# TSan. tests/sanitize_stage.sh fails a stage on any report file, so a
# report in a process nobody waits for (a function devserver spawned)
# counts. The end-to-end load is smaller than e2e's (SANITIZE_E2E_EVENTS);
# the dashboard's browser test is left to e2e (its server side runs in
# devserver-tests).
SAN_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_TSAN := -fsanitize=thread -fno-omit-frame-pointer
SANITIZE_E2E_EVENTS ?= 400
SANITIZE_STAGES := unit conformance fuzz-corpus tools-tests integration functions devserver-tests
TSAN_UNIT := $(filter $(addprefix $(BUILD)/tests/,test_aws_% test_core_uuid test_schema_json test_schema_regex test_schema_validator test_runtime_% test_devserver_%),$(UNIT_TESTS))
.PHONY: sanitize-asan sanitize-asan-run tsan tsan-run
sanitize: sanitize-asan tsan

sanitize-asan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)-asan CC=clang OPT="-O1 -g" SAN="$(SAN_ASAN)" sanitize-asan-run

sanitize-asan-run: build $(UNIT_TESTS) $(GEN_TESTS) $(ITESTS) $(DEVSERVER_TEST_BINS) $(FUZZ_REPLAYS)
	@for s in $(SANITIZE_STAGES); do \
	    tests/sanitize_stage.sh asan $$s $(MAKE) --no-print-directory $$s || exit 1; done
	@tests/sanitize_stage.sh asan evtail tests/localstack/test_evtail.py $(BUILD)
	@tests/sanitize_stage.sh asan run tests/localstack/test_run.sh $(BUILD)
	@BUILD=$(BUILD) LOAD_EVENTS=$(SANITIZE_E2E_EVENTS) LOAD_CLIENTS=4 tests/sanitize_stage.sh asan e2e $(PYTHON) tests/e2e/test_e2e.py
	@tests/sanitize_stage.sh asan chaos-short $(PYTHON) tests/chaos/run_chaos.py --build $(BUILD) \
	    --events 400 --seed $(SEED) --rate $(RATE)

tsan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)-tsan CC=clang OPT="-O1 -g" SAN="$(SAN_TSAN)" tsan-run

tsan-run: build $(TSAN_UNIT) $(ITESTS) $(DEVSERVER_TEST_BINS)
	@tests/sanitize_stage.sh tsan unit tests/run_tests.sh tsan-unit $(TSAN_UNIT)
	@tests/sanitize_stage.sh tsan integration $(MAKE) --no-print-directory integration
	@tests/sanitize_stage.sh tsan devserver-tests $(MAKE) --no-print-directory devserver-tests
	@LOAD_EVENTS=$(SANITIZE_E2E_EVENTS) BUILD=$(BUILD) LOAD_CLIENTS=4 tests/sanitize_stage.sh tsan e2e $(PYTHON) tests/e2e/test_e2e.py

valgrind: $(UNIT_TESTS) $(GEN_TESTS)
	@VALGRIND=1 tests/run_tests.sh valgrind $(UNIT_TESTS) $(GEN_TESTS)

# ---- fuzzing ---------------------------------------------------------------

FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1

fuzz: deps-quiet
	$(MAKE) --no-print-directory BUILD=$(BUILD)-fuzz CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=all" fuzz-run

.PHONY: fuzz-run
# Every target runs even when one crashes; crashing inputs are kept in
# $(BUILD)/fuzz-crashes/ (docs/fuzzing.md: reproducing a crash).
fuzz-run: $(FUZZERS)
	@mkdir -p $(BUILD)/fuzz-crashes; crashed=(); \
	for f in $(FUZZERS); do \
	    name=$$(basename $$f); corpus=tests/fuzz/corpus/$${name#fuzz_}; mkdir -p $(BUILD)/fuzz-work/$$name; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz-crashes/$$name- \
	        $(BUILD)/fuzz-work/$$name $$corpus || crashed+=($$name); \
	done; \
	if [ $${#crashed[@]} -gt 0 ]; then echo "fuzz: crashed: $${crashed[*]} (inputs in $(BUILD)/fuzz-crashes/)" >&2; exit 1; fi

# The targets without libFuzzer (tests/fuzz/replay_main.c), replaying their
# seed corpora: in make sanitize's ASan+UBSan build (fuzz-corpus).
$(BUILD)/fuzz-replay/%: LIBS_ALL += $(DEVSERVER_LIBS)
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(BUILD)/obj/tests/fuzz/replay_main.o $(LINK_LIBS) $(LIBS_ALL) -o $@

.PHONY: fuzz-corpus
fuzz-corpus: $(FUZZ_REPLAYS)
	@for f in $(FUZZ_REPLAYS); do n=$$(basename $$f); $$f tests/fuzz/corpus/$${n#fuzz_} >/dev/null || exit 1; done; \
	echo "fuzz-corpus: $(words $(FUZZ_REPLAYS)) targets replayed their corpora"

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined $< $(LINK_LIBS) $(LIBS_ALL) -o $@

# ---- the rest --------------------------------------------------------------

# Start-up benchmark (bench/startup/): the probe links only libc, so its own
# memory stays below what it measures in its children's ru_maxrss; so does
# the floor (a libc-only loop); the minimal bootstrap links what the
# functions link.
STARTUP_BENCH := $(BUILD)/bench/startup/startup_probe $(BUILD)/bench/startup/floor_bootstrap \
                 $(BUILD)/bench/startup/minimal-bootstrap
$(BUILD)/bench/startup/startup_probe $(BUILD)/bench/startup/floor_bootstrap: $(BUILD)/bench/startup/%: $(BUILD)/obj/bench/startup/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< -o $@

$(BUILD)/bench/startup/minimal-bootstrap: $(BUILD)/obj/bench/startup/minimal_bootstrap.o $(GEN_LIB) $(LIB_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $< $(LINK_LIBS) $(LIBS_ALL) -o $@

# The same bootstrap as a Lambda package would build it (static, needs the
# vendor build: minutes the first time): bench/startup/run.sh measures it
# when present.
$(eval $(call lambda_program,minimal-bootstrap,bench/startup/minimal_bootstrap.c))
.PHONY: bench-startup-static
bench-startup-static: $(LAMBDA_DIR)/minimal-bootstrap/bootstrap

bench: build $(BENCHES) $(STARTUP_BENCH)
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

# Who a schema change breaks (docs/schema-evolution.md): OLD=file, or BASE=ref
# (default: the last release tag, else HEAD~1). Exit 0 compatible, 1 breaking.
.PHONY: schema-diff schema-compat
NEW ?= $(SCHEMA)
schema-diff:
	$(PYTHON) codegen/generate.py diff $(if $(OLD),$(OLD),--base $(if $(BASE),$(BASE),@release)) $(NEW) $(if $(FORMAT),--format $(FORMAT))

# CI: the change against its base (BASE, else the merge-base with origin/main,
# else HEAD~1); fails on a breaking change that does not bump the version.
schema-compat:
	$(PYTHON) codegen/generate.py diff --base $(if $(BASE),$(BASE),@ci) --require-bump $(SCHEMA)

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
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz
