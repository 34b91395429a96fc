/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running build/tlshelper from a test and keeping what it wrote: the host
 * tests (helper/tests/cli.c) and the VM selftests (selftests/tlsh_module.c)
 * use it. The cwd must be the repository root.
 */
#ifndef TLSH_TESTS_RUN_TLSHELPER_H
#define TLSH_TESTS_RUN_TLSHELPER_H

#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TLSHELPER "build/tlshelper"

struct run {
	int status;	/* exit status, or 128 + signal */
	char out[8192];
	char err[8192];
};

/* The whole of file fd, from its start, into buf (NUL-terminated). */
static inline void slurp(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while (used + 1 < len &&
	       (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += n;
	buf[used] = '\0';
	close(fd);
}

/*
 * Run TLSHELPER with args (NULL-terminated, without argv[0]), the child
 * calling before_exec() first if it is not NULL; 0 once r holds its exit
 * status, stdout and stderr.
 */
static inline int run_tlshelper_as(struct run *r, const char *const *args,
				   void (*before_exec)(void))
{
	const char *argv[16] = { TLSHELPER };
	char outpath[] = "/tmp/tlsh-run-out.XXXXXX";
	char errpath[] = "/tmp/tlsh-run-err.XXXXXX";
	int outfd, errfd, wstatus, i;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];

	/* Files, not pipes: no deadlock however much the child writes. */
	outfd = mkstemp(outpath);
	errfd = mkstemp(errpath);
	if (outfd < 0 || errfd < 0)
		return -1;
	unlink(outpath);
	unlink(errpath);

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (before_exec)
			before_exec();
		dup2(outfd, STDOUT_FILENO);
		dup2(errfd, STDERR_FILENO);
		execv(TLSHELPER, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &wstatus, 0) != pid)
		return -1;
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		    128 + WTERMSIG(wstatus);
	slurp(outfd, r->out, sizeof(r->out));
	slurp(errfd, r->err, sizeof(r->err));
	return 0;
}

static inline int run_tlshelper(struct run *r, const char *const *args)
{
	return run_tlshelper_as(r, args, NULL);
}

#endif /* TLSH_TESTS_RUN_TLSHELPER_H */
