/*
 * peakrss: run a command with its output discarded and print its peak
 * resident set size in KiB (wait4()'s ru_maxrss, see getrusage(2)).
 * bench/live.sh uses it only where /usr/bin/time is missing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int st, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: peakrss COMMAND [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("peakrss: fork");
		return 1;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			perror("peakrss: /dev/null");
			_exit(127);
		}
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("peakrss: wait4");
		return 1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "peakrss: %s failed\n", argv[1]);
		return 1;
	}
	printf("%ld\n", ru.ru_maxrss);
	return 0;
}
