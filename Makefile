# libcustseg - hand-written Makefile (GNU make).
#
#   make                 library (static + shared), examples, custseg.pc
#   make check           full test suite (installs Check and pkg-config when
#                        missing and run as root; otherwise prints the command)
#   make demo            build, generate sample data, print an RFM table
#   make bench           benchmark against sqlite3 (and DuckDB when present)
#   make install         PREFIX=/usr/local DESTDIR= LIBDIR= INCLUDEDIR= MANDIR=
#   make uninstall | clean
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

EXAMPLES := examples/custseg examples/quickstart examples/backend
BENCH_BIN := bench/gendata bench/bench

TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TEST_SUPPORT := $(wildcard tests/support/*.c)

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

.PHONY: all lib examples check check-deps demo bench install install-man \
        uninstall clean amalgamation tests

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

check-deps:
	$(Q)sh tests/ensure-deps.sh

tests: check-deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BIN)

check: check-deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BIN)
	$(Q)B=$(B) sh tests/run-tests.sh $(TEST_BIN)

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
	$(Q)sh bench/run.sh

# ---------------------------------------------------------------- install
install: all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 include/custseg.h $(DESTDIR)$(INCLUDEDIR)/custseg.h
	$(INSTALL) -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libcustseg.a
	$(INSTALL) -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/libcustseg.so
	$(INSTALL) -m 644 custseg.pc $(DESTDIR)$(PKGCONFIGDIR)/custseg.pc
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
	rm -rf $(B) $(EXAMPLES) $(BENCH_BIN) custseg.pc
