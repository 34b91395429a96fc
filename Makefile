# tlsh: kernel-offloaded TLS. `make` builds everything, `make check` runs the
# host tests and the VM selftests, `make demo` shows the main job.
#
# Layout of the build:
#   helper/*/*.c             -> build/libtlsh.a (all but cli/main.c) + build/tlshelper
#   helper/tests/*.c         -> build/tests/NAME      (host unit tests, TAP)
#   selftests/*.c            -> build/selftests/NAME  (kselftest harness, run in the VM)
#   kmod/                    -> kmod/tlsh.ko          (Kbuild, against the VM kernel)

B        := build
PKGS     := nettle hogweed gnutls libnl-3.0 libnl-genl-3.0
CC       ?= gcc
CFLAGS   ?= -O2 -g
# Not overridable from the command line: CFLAGS= only changes optimisation.
XCFLAGS  := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP
# Expanded on first use, once: after the deps target has installed pkg-config
# and the libraries on a fresh machine.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
VERSION  := $(shell cat VERSION)
CPPFLAGS += -Iuapi -Ihelper -DTLSH_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread

LIB_SRCS  := $(filter-out helper/cli/main.c,$(wildcard helper/*.c helper/*/*.c))
LIB_SRCS  := $(filter-out helper/tests/%,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
TEST_SRCS := $(wildcard helper/tests/*.c)
TESTS     := $(TEST_SRCS:helper/tests/%.c=$(B)/tests/%)
ST_SRCS   := $(wildcard selftests/*.c)
SELFTESTS := $(ST_SRCS:selftests/%.c=$(B)/selftests/%)
KTOOLS    := build
KSFT      := $(KTOOLS)/kselftest/kselftest_harness.h

.PHONY: all deps helper kmod tests tests-asan selftests check check-host check-vm \
	check-debug check-packages checkpatch demo bench bench-progs clean distclean \
	install install-helper install-dkms deb debs
.DELETE_ON_ERROR:

all: deps helper kmod tests selftests bench-progs

# TLSH_NO_DEPS=1 (debian/rules): the build environment has what it needs.
deps:
	@[ -n "$(TLSH_NO_DEPS)" ] || scripts/deps.sh

helper: $(B)/tlshelper
tests: $(TESTS)

# The host tests again with AddressSanitizer and UBSan, in build/asan/.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
tests-asan: $(KSFT)
	$(MAKE) B=build/asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" tests
# Programs the VM selftest scripts run (selftests/lib/*.c, not tests themselves).
ST_PROGS  := $(B)/selftests/lib/uring_accept
selftests: $(SELFTESTS) $(ST_PROGS)

$(B)/libtlsh.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/tlshelper: $(B)/helper/cli/main.o $(B)/libtlsh.a
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The benchmark's programs (scripts/bench/): the load generator and the
# bulk-transfer client (GnuTLS clients, independent of the engine), the
# plaintext bulk server, the daemon's handshake loop as a server on a port
# (no tlsh.ko), and the floors: nettle's public-key work and the kernel's
# TCP work of one handshake.
BENCH_PROGS := $(B)/bench/loadgen $(B)/bench/hs-server $(B)/bench/floor \
	$(B)/bench/tcp-floor $(B)/bench/bulkclient $(B)/bench/bulkserv
bench-progs: $(BENCH_PROGS)

# --as-needed: bulkserv, run once per connection, loads no library it does not use.
$(B)/bench/loadgen $(B)/bench/tcp-floor $(B)/bench/bulkclient $(B)/bench/bulkserv: \
		$(B)/bench/%: scripts/bench/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--as-needed $(PKG_LIBS)

$(B)/bench/floor: scripts/bench/floor.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lhogweed -lnettle -lgmp

$(B)/bench/hs-server: scripts/bench/hs-server.c $(B)/libtlsh.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(B)/libtlsh.a $(LDLIBS)

$(B)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/tests/%: helper/tests/%.c $(B)/libtlsh.a $(KSFT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(KTOOLS)/kselftest $(XCFLAGS) $(CFLAGS) -Wno-unused-parameter \
		$(LDFLAGS) -o $@ $< $(B)/libtlsh.a $(LDLIBS)

$(B)/selftests/%: selftests/%.c $(B)/libtlsh.a $(KSFT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(KTOOLS)/kselftest $(XCFLAGS) $(CFLAGS) -Wno-unused-parameter \
		$(LDFLAGS) -o $@ $< $(B)/libtlsh.a $(LDLIBS)

$(B)/selftests/lib/uring_accept: selftests/lib/uring_accept.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -luring -lpthread

# kselftest_harness.h and checkpatch.pl come from Debian's linux-source-6.1,
# extracted here at build time; they are never part of this repository.
$(KSFT): | deps
	scripts/kernel-tools.sh $(KTOOLS)

# Built against the VM kernel's headers (scripts/kver.sh), never `uname -r`.
# KERNEL=6.1 (the default: Debian's linux-image-amd64) builds kmod/tlsh.ko;
# KERNEL=6.12 (Debian 12's newest 6.12) builds build/kmod-6.12/tlsh.ko from
# the same sources, through symlinks (6.12's Kbuild cannot put an external
# module's output elsewhere).
KERNEL   ?= 6.1
KMOD_OUT := $(if $(filter 6.1,$(KERNEL)),$(CURDIR)/kmod,$(CURDIR)/build/kmod-$(KERNEL))
kmod: | deps
	@scripts/kver.sh $(KERNEL) >/dev/null
ifneq ($(KMOD_OUT),$(CURDIR)/kmod)
	@mkdir -p $(KMOD_OUT)
	@find $(KMOD_OUT) -maxdepth 1 -type l -delete
	@ln -s $(CURDIR)/kmod/Kbuild $(CURDIR)/kmod/tlsh_*.[ch] $(KMOD_OUT)/
endif
	kver=$$(scripts/kver.sh $(KERNEL)) && \
		$(MAKE) -C /lib/modules/$$kver/build M=$(KMOD_OUT) modules

# CONST_STRUCT is ignored: tlsh.ko builds writable proto_ops copies at run
# time (listener ops, hand-off ops), as net/tls does with tls_proto_ops.
checkpatch: $(KSFT)
	$(KTOOLS)/kernel-scripts/checkpatch.pl --strict --no-tree --terse \
		--ignore CONST_STRUCT \
		-f $(filter-out %.mod.c,$(wildcard kmod/*.c)) kmod/*.h uapi/*.h

check:
	@scripts/check.sh

check-host: all
	@scripts/check.sh --host-only

check-vm: all
	@scripts/check.sh --vm-only

# The VM selftests on a debug kernel (KASAN, lockdep, kmemleak, KFENCE),
# built from linux-source-6.1 once and cached (scripts/debug-kernel.sh).
# Not part of make check: the first build takes 20-40 min, the run longer.
check-debug: all
	@scripts/check.sh --debug

# KERNEL=6.12: the demo on Debian 12's 6.12 (all builds tlsh.ko for it).
demo: all
	@scripts/demo.sh

bench: all
	@scripts/bench.sh

# `make install [PREFIX=/usr/local] [DESTDIR=]`: tlshelper, its man page,
# the systemd unit (ExecStart pointed at SBINDIR and SYSCONFDIR), the example
# /etc/tlsh/daemon.conf (an existing one is kept) and the module's sources
# for DKMS in /usr/src/tlsh-VERSION (then: dkms install tlsh/VERSION).
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DKMSDIR    := /usr/src/tlsh-$(VERSION)
KMOD_SRCS  := kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)

install: install-helper install-dkms

install-helper: $(B)/tlshelper
	install -D -m 755 $(B)/tlshelper $(DESTDIR)$(SBINDIR)/tlshelper
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	sed 's/@VERSION@/$(VERSION)/' dist/tlshelper.8 >$(DESTDIR)$(MANDIR)/man8/tlshelper.8
	sed 's|/usr/sbin/tlshelper|$(SBINDIR)/tlshelper|; s|/etc/tlsh/|$(SYSCONFDIR)/tlsh/|' \
		dist/systemd/tlshelper.service \
		>$(DESTDIR)$(UNITDIR)/tlshelper.service
	chmod 644 $(DESTDIR)$(MANDIR)/man8/tlshelper.8 $(DESTDIR)$(UNITDIR)/tlshelper.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/tlsh/daemon.conf ] || \
		install -D -m 644 dist/daemon.conf $(DESTDIR)$(SYSCONFDIR)/tlsh/daemon.conf

install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/kmod $(DESTDIR)$(DKMSDIR)/uapi
	install -m 644 $(KMOD_SRCS) $(DESTDIR)$(DKMSDIR)/kmod/
	install -m 644 uapi/*.h $(DESTDIR)$(DKMSDIR)/uapi/
	install -m 644 VERSION $(DESTDIR)$(DKMSDIR)/
	sed 's/@VERSION@/$(VERSION)/' dist/dkms.conf >$(DESTDIR)$(DKMSDIR)/dkms.conf

# `make deb`: the packages tlshelper and tlsh-dkms (debian/, debhelper) in
# build/deb/, then lintian. `make debs` (for the VM's
# selftests/slow/packages.sh): the packages only, rebuilt when a file changed,
# and DKMS binary tarballs of tlsh.ko for the VM's kernels (a DKMS build
# under the VM's emulation takes over ten minutes).
# Built from a copy of the tracked and new files in build/deb/tlsh-VERSION.
DEB_SRCS = $(wildcard $(shell git ls-files -co --exclude-standard 2>/dev/null))
debs: $(B)/deb/.built

# The packages installed in the VM, on both kernels (about 10 min each under
# emulation, so not part of make check).
check-packages: all debs
	@TLSH_VM_TESTS=selftests/slow/packages.sh TLSH_TEST_TIMEOUT=1500 scripts/check.sh --vm-only
deb: debs
	lintian --fail-on error,warning $(B)/deb/*.changes

$(B)/deb/.built: $(DEB_SRCS) | deps
	rm -rf $(B)/deb
	mkdir -p $(B)/deb/tlsh-$(VERSION)
	git ls-files -co --exclude-standard -z | \
		tar --null -T - -cf - | tar -C $(B)/deb/tlsh-$(VERSION) -xf -
	cd $(B)/deb/tlsh-$(VERSION) && dpkg-buildpackage -b --no-sign -j2 >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	mkdir -p $(B)/deb/dkms
	for k in 6.1 6.12; do \
		kver=$$(scripts/kver.sh $$k) && \
		dkms build --dkmstree $(CURDIR)/$(B)/deb/dkms -m tlsh -v $(VERSION) -k $$kver \
			--sourcetree $(CURDIR)/$(B)/deb/tlsh-$(VERSION)/debian/tlsh-dkms/usr/src && \
		dkms mktarball --dkmstree $(CURDIR)/$(B)/deb/dkms -m tlsh -v $(VERSION) -k $$kver \
			--sourcetree $(CURDIR)/$(B)/deb/tlsh-$(VERSION)/debian/tlsh-dkms/usr/src \
			--binaries-only --archive $(CURDIR)/$(B)/deb/tlsh-$(VERSION)-$$kver.dkms.tar.gz \
			|| exit 1; \
	done >>$(B)/deb/build.log 2>&1
	@touch $@

clean:
	rm -rf $(B)/helper $(B)/tests $(B)/selftests $(B)/bench $(B)/tlshelper $(B)/libtlsh.a
	-$(MAKE) -C /lib/modules/$$(scripts/kver.sh)/build M=$(CURDIR)/kmod clean

distclean: clean
	rm -rf $(B)

-include $(LIB_OBJS:.o=.d) $(B)/helper/cli/main.d $(TESTS:=.d) $(SELFTESTS:=.d) \
	$(BENCH_PROGS:=.d)

# Fuzzing (helper/tests/fuzz/README.md). `make fuzz`: libFuzzer targets
# built with clang, ASan and UBSan into build/fuzz/, and their seed corpus
# (from in-process handshakes) in build/fuzz/corpus/NAME/. `make fuzz-run
# FUZZ_SECONDS=N` runs each for N seconds. `make fuzz-regress`: the same
# targets as plain gcc ASan/UBSan programs that replay the corpus and
# deterministic mutations of it (TAP, for make check).
FUZZ_DIR     := helper/tests/fuzz
FUZZ_SUPPORT := common.c regress.c gen_corpus.c
FUZZ_NAMES   := $(filter-out $(FUZZ_SUPPORT:.c=),$(basename $(notdir $(wildcard $(FUZZ_DIR)/*.c))))
FUZZ_B       := build/fuzz
FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIBOBJS := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(wildcard helper/tls/*.c))
FUZZ_PKI     := $(FUZZ_B)/pki/ca.pem
FUZZ_CORPUS  := $(FUZZ_B)/corpus/.done
FUZZ_SECONDS ?= 30
FUZZ_R       := build/fuzz-regress
FUZZ_ASANLIB := build/asan/libtlsh.a
FUZZ_DEFS    := -DTLSH_FUZZ_PKI_DIR='"$(CURDIR)/$(FUZZ_B)/pki"'
FUZZ_XCFLAGS := $(filter-out -MMD -MP,$(XCFLAGS))
FUZZ_HDRS    := $(wildcard $(FUZZ_DIR)/*.h) $(FUZZ_DIR)/common.c

.PHONY: fuzz fuzz-run fuzz-regress

fuzz: $(FUZZ_NAMES:%=$(FUZZ_B)/%) $(FUZZ_CORPUS)

$(FUZZ_LIBOBJS): $(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(XCFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_B)/libtlsh.a: $(FUZZ_LIBOBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_NAMES:%=$(FUZZ_B)/%): $(FUZZ_B)/%: $(FUZZ_DIR)/%.c $(FUZZ_HDRS) \
		$(FUZZ_B)/libtlsh.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_DEFS) $(FUZZ_XCFLAGS) -O1 -g $(FUZZ_SAN) \
		-fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/common.c \
		$(FUZZ_B)/libtlsh.a $(LDLIBS)

$(FUZZ_PKI): $(FUZZ_DIR)/pki.sh
	rm -rf $(FUZZ_B)/pki
	$(FUZZ_DIR)/pki.sh $(FUZZ_B)/pki

# The corpus generator and the regression programs: gcc, ASan + UBSan,
# linked with the tests-asan library.
ifneq ($(B),build/asan)
$(FUZZ_ASANLIB): FORCE_FUZZ_ASANLIB
	@$(MAKE) -s B=build/asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" $@

.PHONY: FORCE_FUZZ_ASANLIB
FORCE_FUZZ_ASANLIB:
endif

$(FUZZ_R)/%: $(FUZZ_DIR)/%.c $(FUZZ_HDRS) $(FUZZ_DIR)/regress.c \
		$(FUZZ_ASANLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FUZZ_DEFS) $(FUZZ_XCFLAGS) $(ASAN_FLAGS) -o $@ $< \
		$(FUZZ_DIR)/common.c $(if $(filter gen_corpus,$*),,$(FUZZ_DIR)/regress.c) \
		$(FUZZ_ASANLIB) $(LDLIBS)

$(FUZZ_CORPUS): $(FUZZ_R)/gen_corpus $(FUZZ_PKI)
	rm -rf $(FUZZ_B)/corpus
	$(FUZZ_R)/gen_corpus $(FUZZ_B)/corpus
	@touch $@

# Each target in turn; stops at the first one that finds something (the
# input is in build/fuzz/artifacts/, the log in build/fuzz/run/NAME.log).
fuzz-run: fuzz
	@for t in $(FUZZ_NAMES); do \
		echo "# fuzz: $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p $(FUZZ_B)/run/$$t $(FUZZ_B)/artifacts; \
		reg=$(FUZZ_DIR)/regressions/$$t; [ -d $$reg ] || reg=; \
		$(FUZZ_B)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_B)/artifacts/$$t- \
			$(FUZZ_B)/run/$$t $(FUZZ_B)/corpus/$$t $$reg \
			>$(FUZZ_B)/run/$$t.log 2>&1; rc=$$?; \
		grep -E '^stat::(number_of_executed_units|new_units_added)' \
			$(FUZZ_B)/run/$$t.log | tr '\n' ' '; echo; \
		if [ $$rc -ne 0 ]; then \
			grep -E 'ERROR|SUMMARY|runtime error' $(FUZZ_B)/run/$$t.log; \
			echo "# fuzz: $$t FAILED (exit $$rc)"; exit 1; \
		fi; \
	done

fuzz-regress: $(FUZZ_NAMES:%=$(FUZZ_R)/%) $(FUZZ_CORPUS)
	@fail=0; for t in $(FUZZ_NAMES); do \
		reg=$(FUZZ_DIR)/regressions/$$t; [ -d $$reg ] || reg=; \
		$(FUZZ_R)/$$t $(FUZZ_B)/corpus/$$t $$reg || fail=1; \
	done; exit $$fail

-include $(FUZZ_LIBOBJS:.o=.d)
