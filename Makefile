# Tocsin - one C program for Prometheus rule evaluation and Alertmanager-style
# notification routing.  Plain GNU make; see README.md.
#
#   make            build ./tocsin
#   make check      install test dependencies, run unit + integration tests,
#                   then everything again under ASan + UBSan
#   make lint       cppcheck + clang-tidy + mandoc -Tlint
#   make fuzz       libFuzzer targets (clang) into build/fuzz/
#   make install    PREFIX=/usr/local DESTDIR=

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?=
PKGS      = libcurl yaml-0.1 libpcre2-8 sqlite3 jansson libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Isrc -Ireceivers \
             -DTOCSIN_DATADIR='"$(PREFIX)/share/tocsin"'
ifeq ($(SAN),1)
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
LDSAN     = -fsanitize=address,undefined
endif
LIBS     = $(PKG_LIBS) -lm

SRCS     = $(wildcard src/*.c receivers/*.c)
LIB_SRCS = $(filter-out src/main.c,$(SRCS))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/replay/%)

.PHONY: all check check-deps check-run unit integration replay asan lint \
        lint-cppcheck lint-tidy lint-man \
        fuzz install clean demo

all: tocsin

tocsin: $(BUILD)/tocsin
	@if [ "$(BUILD)" = build ]; then cp $(BUILD)/tocsin tocsin; fi

$(BUILD)/tocsin: $(BUILD)/obj/src/main.o $(BUILD)/libtocsin.a
	$(CC) $(LDSAN) -o $@ $^ $(LIBS)

$(BUILD)/libtocsin.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP $(LDSAN) -o $@ $< $(BUILD)/libtocsin.a $(LIBS) -lcriterion

# Fuzz seeds are replayed through each target by a plain driver, so
# `make check` covers them without clang.
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDSAN) -o $@ $< tests/fuzz/replay.c $(BUILD)/libtocsin.a $(LIBS)

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------ tests

check: check-deps
	$(MAKE) check-run

check-deps:
	@tests/deps.sh check

check-run: all unit replay integration asan
	$(MAKE) -j2 lint
	@echo "make check: all suites passed"

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

replay: $(REPLAY_BINS)
	@tests/run-replay.sh $(REPLAY_BINS)

integration: $(BUILD)/tocsin
	@TOCSIN=$(abspath $(BUILD)/tocsin) tests/integration/run.sh

# The whole suite again with AddressSanitizer + UBSan in a separate tree.
asan:
	$(MAKE) BUILD=build/asan SAN=1 build/asan/tocsin
	$(MAKE) BUILD=build/asan SAN=1 SANITIZED=1 unit replay integration

# ------------------------------------------------------------------ demo

# End to end in about two minutes (examples/demo/demo.sh): Prometheus
# scrapes a model service whose feature drifts and whose inferences slow
# down, `tocsin run` evaluates the rules and notifies a local sink, amtool
# silences the drift alert.  DEMO_SECONDS=120 by default, DEMO_JSON=1 shows
# the webhooks' JSON.  Everything started is stopped at the end or on ^C.
demo:
	@tests/deps.sh demo
	$(MAKE) -j2 all
	@TOCSIN=$(if $(filter build,$(BUILD)),./tocsin,$(BUILD)/tocsin) sh examples/demo/demo.sh

# ------------------------------------------------------------------ fuzz

FUZZ_CC ?= clang
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	  $(PKG_CFLAGS) -Isrc -Ireceivers -o $@ $< $(LIB_SRCS) $(LIBS)

# ------------------------------------------------------------------ lint

lint: lint-cppcheck lint-tidy lint-man

lint-cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Isrc -Ireceivers $(SRCS)

# One stamp per file, so `make -j2 lint` runs clang-tidy in parallel and
# again only on what changed.
lint-tidy: $(SRCS:%.c=$(BUILD)/tidy/%.ok)

$(BUILD)/tidy/%.ok: %.c $(wildcard src/*.h receivers/*.h) .clang-tidy
	@mkdir -p $(dir $@)
	@clang-tidy --quiet $< -- -std=c11 -D_GNU_SOURCE $(PKG_CFLAGS) -Isrc -Ireceivers 2>/dev/null
	@touch $@

lint-man:
	mandoc -Tlint -Wwarning man/*.[0-9]

# ------------------------------------------------------------------ install

# make install [PREFIX=/usr/local] [DESTDIR=]: $(BUILD)/tocsin, the default
# templates, the rule packs with their promtool tests, the man pages, the
# README, examples and migration guide, and the systemd unit with its
# ExecStart pointing at the installed binary.  The binary finds its
# templates in ../share/tocsin beside itself, else in the PREFIX it was
# built with.  To install a binary already built without looking at the
# sources again: make -o $(BUILD)/tocsin install.
BINDIR         ?= $(PREFIX)/bin
MANDIR         ?= $(PREFIX)/share/man
DOCDIR         ?= $(PREFIX)/share/doc/tocsin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
TOCSIN_SHARE    = $(PREFIX)/share/tocsin
INSTALL_MAN     = $(wildcard man/*.[1-9])
MAN_SECTIONS    = $(sort $(patsubst .%,%,$(suffix $(INSTALL_MAN))))

.PHONY: uninstall

install: $(BUILD)/tocsin
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(TOCSIN_SHARE)/templates" \
	  "$(DESTDIR)$(TOCSIN_SHARE)/rules/tests" \
	  "$(DESTDIR)$(DOCDIR)/examples/templates" "$(DESTDIR)$(SYSTEMDUNITDIR)" \
	  $(MAN_SECTIONS:%="$(DESTDIR)$(MANDIR)/man%")
	install -m 755 $(BUILD)/tocsin "$(DESTDIR)$(BINDIR)/tocsin"
	install -m 644 templates/*.tmpl "$(DESTDIR)$(TOCSIN_SHARE)/templates"
	install -m 644 rules/*.yml rules/README.md "$(DESTDIR)$(TOCSIN_SHARE)/rules"
	install -m 644 rules/tests/*.yml "$(DESTDIR)$(TOCSIN_SHARE)/rules/tests"
	for f in $(INSTALL_MAN); do \
	  install -m 644 "$$f" "$(DESTDIR)$(MANDIR)/man$${f##*.}" || exit 1; done
	install -m 644 README.md "$(DESTDIR)$(DOCDIR)"
	install -m 644 examples/*.yml examples/MIGRATING.md \
	  examples/systemd/tocsin.service "$(DESTDIR)$(DOCDIR)/examples"
	install -m 644 examples/templates/* "$(DESTDIR)$(DOCDIR)/examples/templates"
	sed 's#/usr/local/bin/#$(BINDIR)/#' examples/systemd/tocsin.service \
	  >"$(DESTDIR)$(SYSTEMDUNITDIR)/tocsin.service"
	chmod 644 "$(DESTDIR)$(SYSTEMDUNITDIR)/tocsin.service"

# Removes what install installed (share/tocsin and share/doc/tocsin whole).
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/tocsin" "$(DESTDIR)$(SYSTEMDUNITDIR)/tocsin.service"
	for f in $(INSTALL_MAN); do \
	  rm -f "$(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}"; done
	rm -rf "$(DESTDIR)$(TOCSIN_SHARE)" "$(DESTDIR)$(DOCDIR)"

clean:
	rm -rf build tocsin

# ------------------------------------------------------------------ bench
# Benchmarks print Tocsin's figures beside the real peer's, measured in the
# same run (bench/README).  The peer is skipped when it is not installed.

AMTOOL       ?= /usr/bin/amtool
AM_TEMPLATES ?= /usr/share/prometheus/alertmanager/*.tmpl
PROMETHEUS   ?= /usr/bin/prometheus
ALERTMANAGER ?= /usr/bin/prometheus-alertmanager

.PHONY: bench bench-template bench-eval bench-router bench-notify

bench: bench-template bench-eval bench-router bench-notify

bench-template: $(BUILD)/bench/template $(BUILD)/bench/alloc_count.so $(BUILD)/tocsin
	TOCSIN_DATADIR=$(CURDIR) LD_PRELOAD=$(abspath $(BUILD)/bench/alloc_count.so) \
	  $(BUILD)/bench/template $(BUILD)/tocsin \
	  $(if $(and $(wildcard $(AMTOOL)),$(wildcard $(AM_TEMPLATES))),$(AMTOOL) '$(AM_TEMPLATES)')

$(BUILD)/bench/template: bench/template.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDSAN) -o $@ $< $(BUILD)/libtocsin.a $(LIBS) -ldl

bench-eval: $(BUILD)/bench/eval
	$(BUILD)/bench/eval $(EVAL_ARGS) $(wildcard $(PROMETHEUS))

$(BUILD)/bench/eval: bench/eval.c $(BUILD)/libtocsin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDSAN) -o $@ $< $(BUILD)/libtocsin.a $(LIBS)

bench-router: $(BUILD)/tocsin
	TOCSIN_DATADIR=$(CURDIR) sh bench/router.sh $(ROUTER_ARGS) $(BUILD)/tocsin $(wildcard $(ALERTMANAGER))

bench-notify: $(BUILD)/tocsin $(BUILD)/bench/sink
	sh bench/notify.sh $(NOTIFY_ARGS) $(BUILD)/bench/sink $(BUILD)/tocsin \
	  $(wildcard $(ALERTMANAGER))

$(BUILD)/bench/sink: bench/sink.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDSAN) -o $@ $<

$(BUILD)/bench/alloc_count.so: bench/alloc_count.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -fPIC -shared -o $@ $<
