// SPDX-License-Identifier: MIT
// seccomp_exec ALLOWLIST -- COMMAND [ARG...]: runs COMMAND under a seccomp filter that allows the
// system calls named in ALLOWLIST (one per line; names this libseccomp does not know are
// skipped) and fails every other one with EPERM, on the native architecture only, with
// no_new_privs set: what a systemd unit's SystemCallFilter=, SystemCallErrorNumber=EPERM,
// SystemCallArchitectures=native and NoNewPrivileges=yes enforce, for tests on machines where
// the unit cannot run under systemd itself.
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: seccomp_exec ALLOWLIST -- COMMAND [ARG...]\n");
        return 2;
    }
    FILE* list = fopen(argv[1], "r");
    if (!list) {
        fprintf(stderr, "seccomp_exec: cannot read %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx) {
        fprintf(stderr, "seccomp_exec: seccomp_init failed\n");
        return 2;
    }
    char name[128];
    int allowed = 0;
    while (fgets(name, sizeof name, list)) {
        name[strcspn(name, "\r\n")] = '\0';
        if (name[0] == '\0') continue;
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) continue;
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0) ++allowed;
    }
    fclose(list);
    if (allowed == 0 || seccomp_load(ctx) != 0) {
        fprintf(stderr, "seccomp_exec: could not load a filter of %d system calls\n", allowed);
        return 2;
    }
    seccomp_release(ctx);
    execvp(argv[3], argv + 3);
    fprintf(stderr, "seccomp_exec: cannot run %s: %s\n", argv[3], strerror(errno));
    return 127;
}
