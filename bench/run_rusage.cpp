// SPDX-License-Identifier: MIT
// Runs a command and prints its resource use as "rusage WALL_S CPU_S MAXRSS_KIB EXIT" on stderr,
// then "rusage-split USER_S SYS_S MINOR_FAULTS" on a line of its own.
// A small process of its own, so that the command's peak RSS is not inflated by the memory of the
// (large) process that starts the benchmark: Linux counts the pre-exec image in ru_maxrss.
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: run_rusage COMMAND [ARG]...\n");
        return 2;
    }
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        std::perror("run_rusage: exec");
        _exit(127);
    }
    int status = 0;
    rusage ru{};
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
        std::perror("run_rusage");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = static_cast<double>(t1.tv_sec - t0.tv_sec) +
                  static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::fprintf(stderr, "\nrusage %.6f %.6f %ld %d\n", wall, cpu, ru.ru_maxrss, code);
    std::fprintf(
        stderr, "rusage-split %.6f %.6f %ld\n",
        static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6,
        static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6,
        ru.ru_minflt);
    return code;
}
