# egov build. `make` builds build/egov; see README.md for run/test/bench.
# Variants share this file: `make BUILD=build/asan SAN=1 CC=clang` builds the sanitizer tree.

CC      ?= cc
BUILD   ?= build
SAN     ?=
FUZZ    ?=
VERSION := 0.1.0
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS    := libmicrohttpd jansson sqlite3 libpq libxml-2.0 xmlsec1-openssl openssl libsodium libcurl libqrencode \
           libnats
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhpdf -lm -lpthread

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wconversion -Wno-sign-conversion \
           -Wno-unused-parameter -Werror
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDOPT   := -fsanitize=address,undefined
else ifeq ($(FUZZ),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -DEG_FUZZING=1
LDOPT   := -fsanitize=address,undefined
else
OPT     := -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
LDOPT   := -pie -Wl,-z,relro,-z,now
endif

CPPFLAGS := -D_GNU_SOURCE -Isrc -I$(BUILD)/gen -DEG_VERSION=\"$(VERSION)\" -DEG_COMMIT=\"$(COMMIT)\"
CFLAGS   := -std=c17 $(WARN) $(OPT) $(PKG_CFLAGS)

SRC      := $(sort $(shell find src -name '*.c' ! -path src/main.c))
OBJ      := $(SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
MIGRATIONS := $(sort $(wildcard db/migrations/*/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all run test bench clean unit fuzz-build fuzz format format-check deps
all: $(BUILD)/egov

$(BUILD)/egov: $(BUILD)/obj/src/main.o $(BUILD)/libegov.a
	$(CC) $(LDOPT) -o $@ $^ $(PKG_LIBS)

$(BUILD)/libegov.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/embedded.c: $(MIGRATIONS) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

unit: $(UNIT_BIN)
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libegov.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libegov.a $(LDOPT) $(PKG_LIBS) -lcmocka

# libFuzzer targets: clang only, built against the fuzz variant of the library.
fuzz-build:
	$(MAKE) BUILD=build/fuzz FUZZ=1 CC=clang build/fuzz/libegov.a
	@mkdir -p build/fuzz/bin
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang $(CPPFLAGS) -Ibuild/fuzz/gen -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
	    -o build/fuzz/bin/$$n $$f build/fuzz/libegov.a $(PKG_LIBS) || exit 1; done

fuzz: fuzz-build
	sh scripts/fuzz.sh 300

run:
	sh scripts/run.sh

test:
	sh scripts/test.sh

bench:
	sh bench/run.sh

deps:
	sh scripts/deps.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(BUILD)/obj/src/main.d
