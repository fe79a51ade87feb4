/*
 * spawn: run one command and print what it cost.
 *
 *   spawn LOG DIR COMMAND [ARG...]
 *
 * Runs COMMAND (looked up on PATH) in DIR with this process's environment, stdin from /dev/null and
 * stdout + stderr to the file LOG, waits for it, and prints one line:
 *
 *   <exit code> <wall ns> <user us> <system us> <peak RSS KiB>
 *
 * (exit code 128+N when killed by signal N; 127 when COMMAND could not be started).
 *
 * Why a separate program: the kernel counts the memory a process held before exec in its peak RSS
 * (ru_maxrss), and a child created with vfork or fork starts from its parent's memory. Started
 * straight from Python, every run would report Python's 20+ MiB. Started from this static program,
 * whose own footprint is a few pages, ru_maxrss is the command's own. wait4 gives its CPU time in
 * microseconds; GNU time would print hundredths of a second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long micros(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: spawn LOG DIR COMMAND [ARG...]\n");
		return 2;
	}
	const char *log = argv[1];
	const char *dir = argv[2];

	long long start = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("spawn: fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
		    chdir(dir) < 0)
			_exit(127);
		close(null);
		close(out);
		execvp(argv[3], argv + 3);
		/* The log is stderr now: the reason lands where the benchmark shows it. */
		fprintf(stderr, "spawn: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}

	int status;
	struct rusage usage;
	while (wait4(pid, &status, 0, &usage) < 0) {
		if (errno != EINTR) {
			perror("spawn: wait4");
			return 2;
		}
	}
	long long wall = now_ns() - start;

	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%d %lld %lld %lld %ld\n", code, wall, micros(usage.ru_utime), micros(usage.ru_stime),
	       usage.ru_maxrss);
	return 0;
}
