# octopod-c. `make` builds; `make run` starts the whole stack on an embedded
# default; `make test` runs the suite (prove); `make deps` installs packages.

O		?= build
CC		?= cc
CFLAGS		?= -O2 -g
WARN		 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter
PKGS		 = fcgi libpq jansson
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

ifeq ($(FUZZ),1)
O		 = build/fuzz
CC		 = clang
CFLAGS		 = -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=fuzzer-no-link,address,undefined
LDFLAGS		+= -fsanitize=address,undefined
endif

LIB_SRCS	 = $(wildcard lib/*.c)
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
FUZZ_SRCS	 = $(wildcard t/fuzz/fuzz_*.c)
FUZZ_REPLAYS	 = $(FUZZ_SRCS:t/fuzz/%.c=$(O)/t/%)
FUZZERS		 = $(FUZZ_SRCS:t/fuzz/%.c=$(O)/fuzzer/%)
FUZZ_TIME	?= 60

all: $(BINS) $(UNIT_BINS) $(FUZZ_REPLAYS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(O)/bin/octopod-fcgi: $(FCGI_OBJS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_FCGI)

$(O)/bin/octopod-notifier: $(NOTIFIER_OBJS) $(LIB_OBJS)
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
$(O)/t/%: t/unit/%.c $(LIB_OBJS) $(filter-out $(O)/fcgi/main.o,$(FCGI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifcgi $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_FCGI) -lcmocka

# fuzz targets: replayed over their corpus by `make test` (t/fuzz.t) ...
$(O)/t/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/replay.c $(LIB_OBJS) \
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
$(O)/fuzzer/fuzz_%: t/fuzz/fuzz_%.c $(LIB_OBJS) \
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

run: all
	O=$(O) scripts/run.sh

# the benchmark (bench/README.md): the normal optimised build, the bare
# baselines of bench/, then bench/run.sh against a throw-away stack
BENCH_BINS	 = $(O)/bench/barefcgi $(O)/bench/barepq $(O)/bench/stamp \
		   $(O)/bench/pgnotify $(O)/bench/barerelay $(O)/bench/servertime

$(O)/bench/%: bench/%.c bench/stats.h fcgi/queries.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_FCGI)

$(O)/bench/servertime: bench/servertime.c bench/stats.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_OCTO)

$(O)/bench/barerelay: bench/barerelay.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LDLIBS_NOTIFIER)

bench: all $(BENCH_BINS)
	O=$(O) bench/run.sh

test: all
	O=$(O) prove -j2 --timer t/

test-san:
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

.PHONY: all run bench test test-san deps install clean fuzz fuzzers valgrind soak testssl

-include $(shell find $(O) -name '*.d' 2>/dev/null)
