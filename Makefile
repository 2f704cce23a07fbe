# octopod-c. `make` builds; `make run` starts the whole stack on an embedded
# default; `make test` runs the suite (prove); `make deps` installs packages
# (run, test and test-san do that first); `make test-fresh` runs the README's
# two commands in a pristine Debian 12 container.

O		?= build
CC		?= cc
CFLAGS		?= -O2 -g
WARN		 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter
PKGS		 = fcgi libpq jansson libcurl libcrypto librhonabwy
CPPFLAGS	+= -D_GNU_SOURCE -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_FCGI	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDLIBS_NOTIFIER	 = $(shell pkg-config --libs libwebsockets libpq jansson 2>/dev/null)
LDLIBS_OCTO	 = $(shell pkg-config --libs libcurl jansson 2>/dev/null)
PREFIX		?= /usr/local

ifeq ($(SAN),1)
O		 = build/san
CC		 = clang
CFLAGS		 = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=all
LDFLAGS		+= -fsanitize=address,undefined
endif

# ThreadSanitizer: the runner's threads (t/runner-race.t builds this)
ifeq ($(TSAN),1)
O		 = build/tsan
CC		 = clang
CFLAGS		 = -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDFLAGS		+= -fsanitize=thread
endif

ifeq ($(FUZZ),1)
O		 = build/fuzz
CC		 = clang
CFLAGS		 = -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=fuzzer-no-link,address,undefined
LDFLAGS		+= -fsanitize=address,undefined
endif

# lib/pgconn.c, lib/server.c: only for the programs that link libpq (not
# octo, which is also built static)
LIB_SRCS	 = $(filter-out lib/pgconn.c lib/server.c,$(wildcard lib/*.c))
PGC_OBJS	 = $(O)/lib/pgconn.o $(O)/lib/server.o
FCGI_SRCS	 = $(wildcard fcgi/*.c)
NOTIFIER_SRCS	 = $(wildcard notifier/*.c)
OCTO_SRCS	 = $(wildcard octo/*.c)

LIB_OBJS	 = $(LIB_SRCS:%.c=$(O)/%.o)
FCGI_OBJS	 = $(FCGI_SRCS:%.c=$(O)/%.o)
NOTIFIER_OBJS	 = $(NOTIFIER_SRCS:%.c=$(O)/%.o)
OCTO_OBJS	 = $(OCTO_SRCS:%.c=$(O)/%.o)

BINS		 = $(O)/bin/octopod-fcgi
ifneq ($(NOTIFIER_SRCS),)
BINS		+= $(O)/bin/octopod-notifier
endif
ifneq ($(OCTO_SRCS),)
BINS		+= $(O)/bin/octo
endif
UNIT_SRCS	 = $(wildcard t/unit/*.c)
UNIT_BINS	 = $(UNIT_SRCS:t/unit/%.c=$(O)/t/%)
DB_SRCS		 = $(wildcard t/db/*.c)
DB_BINS		 = $(DB_SRCS:t/db/%.c=$(O)/t/db_%)
FUZZ_SRCS	 = $(wildcard t/fuzz/fuzz_*.c)
FUZZ_REPLAYS	 = $(FUZZ_SRCS:t/fuzz/%.c=$(O)/t/%)
FUZZERS		 = $(FUZZ_SRCS:t/fuzz/%.c=$(O)/fuzzer/%)
FUZZ_TIME	?= 60

all: $(BINS) $(UNIT_BINS) $(DB_BINS) $(FUZZ_REPLAYS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(O)/bin/octopod-fcgi: $(FCGI_OBJS) $(LIB_OBJS) $(PGC_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_FCGI)

$(O)/bin/octopod-notifier: $(NOTIFIER_OBJS) $(LIB_OBJS) $(PGC_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_NOTIFIER)

$(O)/bin/octo: $(OCTO_OBJS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_OCTO)

# unit tests of octo: t/unit/octo_NAME.c links lib/ and octo/ but main.o
$(O)/t/octo_%: t/unit/octo_%.c $(LIB_OBJS) $(filter-out $(O)/octo/main.o,$(OCTO_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iocto $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_OCTO) -lcmocka

# unit tests: t/unit/NAME.c links lib/ and the fcgi objects but main.o
$(O)/t/%: t/unit/%.c $(LIB_OBJS) $(PGC_OBJS) \
    $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifcgi $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_FCGI) -lcmocka

# programs run by t/*.t against a throw-away database: t/db/NAME.c links
# lib/ and the fcgi objects but main.o
$(O)/t/db_%: t/db/%.c $(LIB_OBJS) $(PGC_OBJS) $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifcgi $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_FCGI)

# t/unit/spawn_poll.c stands in for poll(2) (__wrap_poll)
$(O)/t/spawn_poll: LDFLAGS += -Wl,--wrap=poll

# fuzz targets: replayed over their corpus by `make test` (t/fuzz.t) ...
$(O)/t/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/replay.c $(LIB_OBJS) $(PGC_OBJS) \
    $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifcgi $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_FCGI)

$(O)/t/fuzz_octo_%: t/fuzz/fuzz_octo_%.c t/fuzz/replay.c $(LIB_OBJS) \
    $(filter-out $(O)/octo/main.o,$(OCTO_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iocto $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_OCTO)

# the notifier's: notifier/cmsg.c (pure) and lib/
$(O)/t/fuzz_notifier_%: t/fuzz/fuzz_notifier_%.c t/fuzz/replay.c $(LIB_OBJS) \
    $(O)/notifier/cmsg.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Inotifier $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_NOTIFIER)

$(O)/fuzzer/fuzz_notifier_%: t/fuzz/fuzz_notifier_%.c $(LIB_OBJS) \
    $(O)/notifier/cmsg.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Inotifier $(CFLAGS) $(WARN) -fsanitize=fuzzer \
	    $(LDFLAGS) -o $@ $^ $(LDLIBS_NOTIFIER)

$(O)/fuzzer/fuzz_octo_%: t/fuzz/fuzz_octo_%.c $(LIB_OBJS) \
    $(filter-out $(O)/octo/main.o,$(OCTO_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iocto $(CFLAGS) $(WARN) -fsanitize=fuzzer \
	    $(LDFLAGS) -o $@ $^ $(LDLIBS_OCTO)

# ... and run under libFuzzer by `make fuzz` (FUZZ_TIME seconds each)
$(O)/fuzzer/fuzz_%: t/fuzz/fuzz_%.c $(LIB_OBJS) $(PGC_OBJS) \
    $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifcgi $(CFLAGS) $(WARN) -fsanitize=fuzzer \
	    $(LDFLAGS) -o $@ $^ $(LDLIBS_FCGI)

fuzzers: $(FUZZERS)

fuzz:
	$(MAKE) FUZZ=1 fuzzers
	@for f in build/fuzz/fuzzer/fuzz_*; do \
		n=$$(basename $$f); mkdir -p build/fuzz/new/$$n; \
		echo "== $$n ($(FUZZ_TIME) s)"; \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		    build/fuzz/new/$$n t/fuzz/corpus/$$n 2>&1 | \
		    grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' || true; \
	done

# octo as one static executable (docs/deployment.md): octo/ and lib/
# compiled again (never with sanitizers) against the libcurl that
# scripts/curl-static.sh builds from Debian's curl source into build/curl
# (once: a second build finds it there), linked with c-ares and Debian's
# static OpenSSL and jansson. Always build/bin/octo-static, whatever O is.
# glibc's link-time notes about NSS and dlopen are allowed only from
# libcrypto.a (BIO_lookup, BIO_gethostbyname, DSO: paths octo never takes)
# and libcares.a (service names: curl passes numeric ports); any other
# linker warning fails the link.
STATIC_CC	?= cc
CURL_STATIC	 = build/curl/prefix
OCTO_STATIC	 = build/bin/octo-static
STATIC_OBJS	 = $(OCTO_SRCS:%.c=build/static/%.o) $(LIB_SRCS:%.c=build/static/%.o)
STATIC_LDLIBS	 = -L$(CURL_STATIC)/lib -lcurl -lcares -lssl -lcrypto \
		   $(shell pkg-config --static --libs jansson 2>/dev/null) -pthread

$(CURL_STATIC)/stamp: scripts/curl-static.sh
	scripts/curl-static.sh build/curl

build/static/%.o: %.c $(CURL_STATIC)/stamp
	@mkdir -p $(dir $@)
	$(STATIC_CC) -D_GNU_SOURCE -Ilib -I$(CURL_STATIC)/include \
	    $(shell pkg-config --cflags jansson 2>/dev/null) -O2 $(WARN) \
	    -MMD -MP -c -o $@ $<

$(OCTO_STATIC): $(STATIC_OBJS) $(CURL_STATIC)/stamp
	@mkdir -p $(dir $@)
	$(STATIC_CC) -static -s -o $@.tmp $(STATIC_OBJS) $(STATIC_LDLIBS) 2>$@.ld || \
	    { cat $@.ld >&2; rm -f $@.ld $@.tmp; exit 1; }
	@awk '/: in function / { held = $$0; next } \
	    /warning: Using .* in statically linked/ && \
	    held ~ /\/lib(crypto|cares)\.a\(/ { held = ""; next } \
	    { if (held != "") print held; held = ""; print; bad = 1 } \
	    END { exit bad }' $@.ld >&2 || \
	    { echo "octo-static: unexpected linker warnings" >&2; \
	    rm -f $@.ld $@.tmp; exit 1; }
	@rm -f $@.ld
	mv $@.tmp $@

octo-static: $(OCTO_STATIC)

# build/dist: what a release ships, each file with its SHA-256 beside it
dist: $(OCTO_STATIC)
	@mkdir -p build/dist
	cp $(OCTO_STATIC) build/dist/octo-static
	cd build/dist && sha256sum octo-static >octo-static.sha256

.PHONY: octo-static dist

# run, test, test-san: first what is missing (scripts/deps.sh: quiet and
# quick when nothing is), then the build in a new make, so that its
# pkg-config flags see packages installed a moment ago
run:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	O=$(O) scripts/run.sh

# the benchmark (bench/README.md): the normal optimised build, the bare
# baselines of bench/, then bench/run.sh against a throw-away stack
BENCH_BINS	 = $(O)/bench/barefcgi $(O)/bench/barepq $(O)/bench/stamp \
		   $(O)/bench/pgnotify $(O)/bench/barerelay $(O)/bench/servertime

$(O)/bench/%: bench/%.c bench/stats.h fcgi/queries.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_FCGI)

# barepq "page": the responder's own row code, linked as the unit tests link it
$(O)/bench/barepq: bench/barepq.c bench/stats.h fcgi/queries.h $(LIB_OBJS) $(PGC_OBJS) \
    $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) \
	    $(LDLIBS_FCGI)

$(O)/bench/servertime: bench/servertime.c bench/stats.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_OCTO)

$(O)/bench/barerelay: bench/barerelay.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_NOTIFIER)

# the chart renderer of t/helm-chart.t: Helm's engine (text/template and
# Sprig) from Debian's Go packages, built offline in GOPATH mode
GOPATH_DEBIAN	 = /usr/share/gocode
$(O)/bin/helm-render: t/helm/render/main.go
	@mkdir -p $(dir $@)
	cd t/helm/render && GO111MODULE=off GOPATH=$(GOPATH_DEBIAN) \
	    GOCACHE=$(CURDIR)/build/go-cache GOFLAGS= go build -o $(abspath $@) .

helm-render: $(O)/bin/helm-render
.PHONY: helm-render

bench: all $(BENCH_BINS)
	O=$(O) bench/run.sh

# the same figures at 1,000, 10,000 and 100,000 deployments (bench/scale.sh)
bench-scale: all $(BENCH_BINS)
	O=$(O) bench/scale.sh

test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	O=$(O) prove -j2 --timer t/

test-san:
	@scripts/deps.sh
	$(MAKE) SAN=1 all
	O=build/san ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 prove -j2 --timer t/

# long runs, not in `make test`
valgrind: all
	O=$(O) VALGRIND=1 prove -v t/valgrind.t

# both doors through Debian's testssl.sh (also part of make test)
testssl: all
	O=$(O) prove -v t/security-tls.t

soak: all
	O=$(O) SOAK_MINUTES=$${SOAK_MINUTES:-10} bench/soak.sh

deps:
	@scripts/deps.sh

# the container image (Dockerfile) with podman: the base debian:12 made
# by scripts/debian-base.sh when it is missing; layers cached; the new
# image's id in build/image.id (what t/container.t runs, whatever the tag
# says meanwhile)
IMAGE		?= localhost/octopod-c:latest
image:
	@scripts/debian-base.sh >/dev/null
	TOP=$(CURDIR); export TOP; . scripts/podman-env.sh; \
	    podman build --network host --layers --iidfile build/image.id \
	    -t $(IMAGE) .

# the README's two commands on a fresh Debian 12 (a container; see the script)
test-fresh:
	scripts/test-fresh.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/octopod/sql
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 sql/*.sql $(DESTDIR)$(PREFIX)/share/octopod/sql/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/octo.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 docs/octo.bash-completion \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/octo

clean:
	rm -rf build


.PHONY: bench-scale image test-fresh testssl
.PHONY: all run bench test test-san deps install clean fuzz fuzzers valgrind soak

-include $(shell find $(O) -name '*.d' 2>/dev/null)
