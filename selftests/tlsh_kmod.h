/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading tlsh.ko and watching the kernel log, for the VM
 * selftests of the module. Include after kselftest_harness.h.
 */
#ifndef TLSH_SELFTEST_KMOD_H
#define TLSH_SELFTEST_KMOD_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline const char *kmod_path(void)
{
	const char *p = getenv("TLSH_KO");

	return p && *p ? p : "kmod/tlsh.ko";
}

static inline bool kmod_loaded(void)
{
	return access("/sys/module/tlsh", F_OK) == 0;
}

static inline int kmod_load(void)
{
	int fd = open(kmod_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int kmod_unload(void)
{
	return syscall(SYS_delete_module, "tlsh", O_NONBLOCK) ? -errno : 0;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Unload, allowing a moment for sockets being released (a killed daemon's
 * files are closed as it exits). -EAGAIN if the module stays in use.
 */
static inline int kmod_unload_settled(void)
{
	int i, err = 0;

	for (i = 0; i < 50; i++) {
		err = kmod_unload();
		if (err != -EAGAIN)
			return err;
		sleep_ms(100);
	}
	return err;
}

/* /dev/kmsg positioned at its end: later reads see only new records. */
static inline int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Number of kernel log records since kmsg_open_at_end() that look bad. */
static inline int kmsg_count_bad(struct __test_metadata *_metadata, int fd)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "general protection fault",
		"refcount_t:", "kernel NULL pointer", "UBSAN", "KASAN",
		"list_add corruption", "list_del corruption",
	};
	char rec[8192];
	int count = 0;
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip them */
		if (n <= 0)
			break;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				TH_LOG("kernel: %s", rec);
				count++;
				break;
			}
		}
	}
	return count;
}

/*
 * What every module fixture's setup does first: as root, with no copy
 * left loaded by a test that died, load tlsh.ko. Returns /dev/kmsg at its
 * end, for kmsg_count_bad() in teardown.
 */
static inline int kmod_fixture_load(struct __test_metadata *_metadata)
{
	int kmsg, err;

	ASSERT_EQ(0U, getuid()) TH_LOG("must run as root");
	if (kmod_loaded())
		ASSERT_EQ(0, kmod_unload_settled());
	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);
	err = kmod_load();
	ASSERT_EQ(0, err) TH_LOG("loading %s: %s", kmod_path(),
				 strerror(-err));
	return kmsg;
}

/* Write value to the module parameter /sys/module/tlsh/parameters/name. */
static inline int kmod_param_write(const char *name, const char *value)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/tlsh/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fputs(value, f) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

#endif /* TLSH_SELFTEST_KMOD_H */
