# libcustseg - hand-written Makefile (GNU make).
#
#   make                 library (static + shared), examples, custseg.pc
#   make check           full test suite (installs Check and pkg-config when
#                        missing and run as root; otherwise prints the command)
#   make demo            build, generate sample data, print an RFM table
#   make bench           benchmark against sqlite3 (and DuckDB when present)
#   make install         PREFIX=/usr/local DESTDIR= LIBDIR= INCLUDEDIR= MANDIR=
#   make uninstall | clean
#   make amalgamation    dist/custseg.c + dist/custseg.h, for vendoring
#   make abi-baseline    rewrite abi/libcustseg.abi (SONAME policy: README)
#   V=1                  show the full commands
#
# configure (optional, from configure.ac) writes config.mk, read here.

-include config.mk

PREFIX     ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
LIBDIR     ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(EXEC_PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=

CC      ?= cc
AR      ?= ar
INSTALL ?= install
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# The version lives only in the header; the SONAME changes only on an ABI
# break and is set here, in one place.
VERSION := $(shell sed -n 's/^\#define CUSTSEG_VERSION_STRING "\(.*\)"/\1/p' include/custseg.h)
SOVERSION := 1
SONAME  := libcustseg.so.$(SOVERSION)
SHLIB   := libcustseg.so.$(VERSION)

WARN      := -Wall -Wextra -Wpedantic
BASEFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude $(WARN)
LIBFLAGS  := $(BASEFLAGS) -Ilib -fPIC -fvisibility=hidden -DCUSTSEG_BUILDING -pthread
THREADLIB := -pthread
MATHLIB   := -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

B := build

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
LIB_HDR := include/custseg.h $(wildcard lib/*.h)

STATIC := $(B)/libcustseg.a
SHARED := $(B)/$(SHLIB)

EXAMPLES := examples/custseg examples/quickstart examples/backend \
            examples/custom
BENCH_BIN := bench/gendata bench/bench

TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TEST_SUPPORT := $(wildcard tests/support/*.c)

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

.PHONY: all lib examples check check-deps demo bench install install-man \
        uninstall clean amalgamation abi-baseline tests

all: lib examples custseg.pc

lib: $(STATIC) $(SHARED) $(B)/libcustseg.so.$(SOVERSION) $(B)/libcustseg.so

$(B)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(LIBFLAGS) $(CFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SHARED): $(LIB_OBJ) lib/libcustseg.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,$(SONAME) \
	    -Wl,--version-script,lib/libcustseg.map -o $@ $(LIB_OBJ) $(THREADLIB) $(MATHLIB)

$(B)/libcustseg.so.$(SOVERSION): $(SHARED)
	$(Q)ln -sf $(SHLIB) $@
$(B)/libcustseg.so: $(SHARED)
	$(Q)ln -sf $(SHLIB) $@

# Example programs link the shared library through the public header only.
examples: $(EXAMPLES) $(BENCH_BIN)

examples/%: examples/%.c include/custseg.h $(SHARED) $(B)/libcustseg.so
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $(LDFLAGS) $< -o $@ -L$(B) -lcustseg \
	    -Wl,-rpath,'$$ORIGIN/../$(B)' $(THREADLIB) $(MATHLIB)

examples/custseg: examples/custseg-cli.c include/custseg.h $(SHARED) $(B)/libcustseg.so
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $(LDFLAGS) $< -o $@ -L$(B) -lcustseg \
	    -Wl,-rpath,'$$ORIGIN/../$(B)' $(THREADLIB) $(MATHLIB)

bench/gendata: bench/gendata.c
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $< -o $@ $(MATHLIB)

bench/bench: bench/bench.c include/custseg.h $(STATIC)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) $(CFLAGS) $< -o $@ $(STATIC) $(THREADLIB) $(MATHLIB)

custseg.pc: custseg.pc.in include/custseg.h Makefile
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    $< > $@

# ---------------------------------------------------------------- tests
# Unit tests link the static library so they can reach internal helpers.
$(B)/tests/%: tests/%.c $(STATIC) $(TEST_SUPPORT) tests/support/testutil.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) -Ilib -Itests/support $(CHECK_CFLAGS) $(CFLAGS) $< \
	    $(TEST_SUPPORT) -o $@ $(STATIC) $(CHECK_LIBS) $(THREADLIB) $(MATHLIB)

# The corpus replay includes the fuzz targets' sources.
$(B)/tests/check_fuzz_replay: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

check-deps:
	$(Q)sh tests/ensure-deps.sh

tests: check-deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BIN)

check: check-deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BIN)
	$(Q)B=$(B) sh tests/run-tests.sh $(TEST_BIN)
	$(Q)$(MAKE) --no-print-directory check-limits

# ---------------------------------------------------------------- reliability
# Each checker builds the Check suites in a build directory of its own and
# never the examples, so no sanitized examples/custseg is ever made.
# valgrind sets CUSTSEG_QUICK=1 (tests skip their biggest inputs, with a
# message); all stretch Check's per-test timeouts.
SAN_CC      ?= clang
FUZZ_CC     ?= clang
FUZZ_SECONDS ?= 60
SAN_CFLAGS  := -O1 -g -fno-omit-frame-pointer
ASAN_CFLAGS := $(SAN_CFLAGS) -fsanitize=address,undefined \
               -fno-sanitize-recover=all
TSAN_CFLAGS := $(SAN_CFLAGS) -fsanitize=thread
ASAN_OPTS   := detect_leaks=1:detect_stack_use_after_return=1:$(strip \
               )strict_string_checks=1:check_initialization_order=1
UBSAN_OPTS  := print_stacktrace=1:halt_on_error=1
# The suites that use threads (a "threads" option): ThreadSanitizer
# checks those, on the full reference data (fast enough here).
TSAN_SUITES := check_threads check_csv check_rfm check_load_data \
               check_custom check_dataset check_decile check_prior \
               check_value
VALGRIND    := valgrind --quiet --error-exitcode=42 --leak-check=full \
               --show-leak-kinds=definite,indirect,possible \
               --errors-for-leak-kinds=definite,indirect,possible
# Lowered limits for check-limits: small enough to reach in a test.
LIMIT_FLAGS := -DCUSTSEG_MAX_CUSTOMERS=10u -DCUSTSEG_MAX_ORDERS=12u \
               -DCUSTSEG_MAX_TRANSACTIONS=40 -DCUSTSEG_MAX_SEGMENTS=6u
FUZZ_TARGETS := csv segmap $(if $(wildcard lib/rules*.c),rules)
FUZZ_BIN     = $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)

.PHONY: suites check-asan check-valgrind check-tsan check-limits fuzz \
        fuzz-build

# Build and run the Check suites only (SUITES=name... for a subset).
suites: check-deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BIN)
	$(Q)B=$(B) CUSTSEG_SUITES_ONLY=1 sh tests/run-tests.sh \
	    $(if $(SUITES),$(SUITES:%=$(B)/tests/%),$(TEST_BIN))

check-asan:
	$(Q)sh tests/ensure-tool.sh asan $(SAN_CC)
	$(Q)ASAN_OPTIONS=$(ASAN_OPTS) UBSAN_OPTIONS=$(UBSAN_OPTS) \
	    CK_TIMEOUT_MULTIPLIER=10 $(MAKE) --no-print-directory \
	    B=build-asan CC=$(SAN_CC) CFLAGS="$(ASAN_CFLAGS)" suites

check-valgrind:
	$(Q)sh tests/ensure-tool.sh valgrind
	$(Q)CUSTSEG_QUICK=1 CK_TIMEOUT_MULTIPLIER=60 \
	    CUSTSEG_TEST_WRAPPER="$(VALGRIND)" $(MAKE) --no-print-directory \
	    B=build-valgrind CFLAGS="-O1 -g" suites

check-tsan:
	$(Q)sh tests/ensure-tool.sh tsan $(SAN_CC)
	$(Q)TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    CK_TIMEOUT_MULTIPLIER=20 \
	    $(MAKE) --no-print-directory B=build-tsan CC=$(SAN_CC) \
	    CFLAGS="$(TSAN_CFLAGS)" SUITES="$(TSAN_SUITES)" suites

# The size limits, through a build where they are small (cheap: one suite).
check-limits: check-deps
	$(Q)$(MAKE) --no-print-directory B=build-limits \
	    CFLAGS="-O1 -g $(LIMIT_FLAGS)" SUITES=check_limits suites

# libFuzzer targets; tests/fuzz/run.sh runs each FUZZ_SECONDS and copies
# any crash input into tests/fuzz/regress/, which make check replays.
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(STATIC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(BASEFLAGS) -Ilib $(CFLAGS) -fsanitize=fuzzer $< -o $@ \
	    $(STATIC) $(THREADLIB) $(MATHLIB)

fuzz-build: $(FUZZ_BIN)

fuzz:
	$(Q)sh tests/ensure-tool.sh fuzz $(FUZZ_CC)
	$(Q)$(MAKE) --no-print-directory B=build-fuzz CC=$(FUZZ_CC) \
	    CFLAGS="$(ASAN_CFLAGS) -fsanitize=fuzzer-no-link" fuzz-build
	$(Q)sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---------------------------------------------------------------- demo/bench
DEMO_DIR := $(B)/demo
demo: all
	$(Q)mkdir -p $(DEMO_DIR)
	$(Q)bench/gendata --customers 2000 --transactions 20000 --seed 42 \
	    --output $(DEMO_DIR)/sample.csv
	$(Q)examples/custseg rfm --input $(DEMO_DIR)/sample.csv \
	    --map customer=customer_id,order=order_id,time=order_time,amount=amount \
	    --format table
	$(Q)examples/custseg decile --input $(DEMO_DIR)/sample.csv \
	    --map customer=customer_id,order=order_id,time=order_time,amount=amount \
	    --format table

bench: all
	$(Q)B=$(B) sh bench/run.sh

# ---------------------------------------------------------------- install
install: all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 include/custseg.h $(DESTDIR)$(INCLUDEDIR)/custseg.h
	$(INSTALL) -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libcustseg.a
	$(INSTALL) -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/libcustseg.so
	@# Written here, from the install prefix, so a custseg.pc built
	@# earlier for another PREFIX is never installed.
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    custseg.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/custseg.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/custseg.pc
	$(CC) $(BASEFLAGS) $(CFLAGS) examples/custseg-cli.c -o $(B)/custseg-installed \
	    -L$(B) -lcustseg -Wl,-rpath,$(LIBDIR) $(THREADLIB) $(MATHLIB)
	$(INSTALL) -m 755 $(B)/custseg-installed $(DESTDIR)$(BINDIR)/custseg
	$(MAKE) --no-print-directory install-man

install-man:
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7/

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/custseg.h $(DESTDIR)$(LIBDIR)/libcustseg.a \
	    $(DESTDIR)$(LIBDIR)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libcustseg.so $(DESTDIR)$(PKGCONFIGDIR)/custseg.pc \
	    $(DESTDIR)$(BINDIR)/custseg
	cd man/man1 && for f in *.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$f; done
	cd man/man3 && for f in *.3; do rm -f $(DESTDIR)$(MANDIR)/man3/$$f; done
	cd man/man7 && for f in *.7; do rm -f $(DESTDIR)$(MANDIR)/man7/$$f; done

clean:
	rm -rf $(B) $(EXAMPLES) $(BENCH_BIN) custseg.pc dist

# ---------------------------------------------------------------- vendoring
# One C file and the header, SQLite style (tools/amalgamate.sh).
amalgamation:
	$(Q)sh tools/amalgamate.sh dist

# ---------------------------------------------------------------- ABI
# make check compares the library with abi/libcustseg.abi (tests/abi.sh).
# Rewrite the baseline only on purpose: after adding API, or for an ABI
# break that comes with a new SONAME (README.md, "ABI and SONAME").
abi-baseline: lib
	$(Q)sh tests/abi.sh --update $(B)/libcustseg.so.$(SOVERSION)
