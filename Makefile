# tlsh: kernel-offloaded TLS. `make` builds everything, `make check` runs the
# host tests and the VM selftests, `make demo` shows the main job.
#
# Layout of the build:
#   helper/*.c helper/*/*.c  -> build/libtlsh.a (all but main.c) + build/tlshelper
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

LIB_SRCS  := $(filter-out helper/main.c,$(wildcard helper/*.c helper/*/*.c))
LIB_SRCS  := $(filter-out helper/tests/%,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
TEST_SRCS := $(wildcard helper/tests/*.c)
TESTS     := $(TEST_SRCS:helper/tests/%.c=$(B)/tests/%)
ST_SRCS   := $(wildcard selftests/*.c)
SELFTESTS := $(ST_SRCS:selftests/%.c=$(B)/selftests/%)
KTOOLS    := build
KSFT      := $(KTOOLS)/kselftest/kselftest_harness.h

.PHONY: all deps helper kmod tests tests-asan selftests check check-host check-vm \
	checkpatch demo bench clean distclean
.DELETE_ON_ERROR:

all: deps helper kmod tests selftests $(B)/loadgen

deps:
	@scripts/deps.sh

helper: $(B)/tlshelper
tests: $(TESTS)

# The host tests again with AddressSanitizer and UBSan, in build/asan/.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
tests-asan: $(KSFT)
	$(MAKE) B=build/asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" tests
selftests: $(SELFTESTS)

$(B)/libtlsh.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/tlshelper: $(B)/helper/main.o $(B)/libtlsh.a
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The benchmark's load generator (GnuTLS client, independent of the engine).
$(B)/loadgen: scripts/bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS)

$(B)/%.o: %.c
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

# kselftest_harness.h and checkpatch.pl come from Debian's linux-source-6.1,
# extracted here at build time; they are never part of this repository.
$(KSFT):
	scripts/kernel-tools.sh $(KTOOLS)

# Built against the VM kernel's headers (scripts/kver.sh), never `uname -r`.
kmod:
	$(MAKE) -C /lib/modules/$$(scripts/kver.sh)/build M=$(CURDIR)/kmod modules

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

demo: all
	@scripts/demo.sh

bench: all
	@scripts/bench.sh

clean:
	rm -rf $(B)/helper $(B)/tests $(B)/selftests $(B)/tlshelper $(B)/libtlsh.a
	-$(MAKE) -C /lib/modules/$$(scripts/kver.sh)/build M=$(CURDIR)/kmod clean

distclean: clean
	rm -rf $(B)

-include $(LIB_OBJS:.o=.d) $(B)/helper/main.d $(TESTS:=.d) $(SELFTESTS:=.d)
