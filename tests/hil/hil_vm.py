# SPDX-License-Identifier: MIT
# One boot of the test VM: qemu (TCG) on the cached image, the host root read-only over 9p with a
# tmpfs overlay, a run folder for the command and its output, optional read-write folders and a
# virtio-blk disk. The command runs as root in the guest; its stdout, stderr and exit code come
# back through the run folder. Killing qemu is a true power cut for the guest.
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

NO_CODE = 125  # the guest gave no exit code: panic, timeout or power cut


class Vm:
    """A running VM. `script` is shell text run in the guest from `cwd`."""

    def __init__(self, image, script, cwd=None, rw=(), disk=None, mods=None, env=None,
                 mem_mb=1024, timeout_s=120, accel=None, smp=2):
        self.run_dir = tempfile.mkdtemp(prefix="hil-run.")
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        lines = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "set -a", f"[ -f {self.run_dir}/env ] && . {self.run_dir}/env"]
        for k, v in (env or {}).items():
            lines.append(f"{k}={shlex.quote(str(v))}")
        lines += ["set +a", f"cd {shlex.quote(cwd or os.getcwd())} || exit 125", script]
        with open(os.path.join(self.run_dir, "cmd.sh"), "w") as f:
            f.write("\n".join(lines) + "\n")
        append = ["console=ttyS0", "quiet", "loglevel=3", "panic=-1", f"HIL_RUN={self.run_dir}"]
        if mods is not None:
            append.append(f"HIL_MODS={mods}")
        shares = []
        for i, d in enumerate(rw):
            if " " in d:
                raise ValueError(f"read-write folder with a space: {d}")
            shares.append(f"rw{i}:{d}")
        if shares:
            append.append('HIL_RW="' + " ".join(shares) + '"')
        accel = accel or os.environ.get("SNAPSTAGE_HIL_ACCEL", "tcg")
        cpu = ["-accel", "kvm", "-cpu", "host,-arch-capabilities"] if accel == "kvm" else \
            ["-accel", "tcg,thread=multi", "-cpu", "max"]
        cmd = ["qemu-system-x86_64", *cpu, "-M", "pc", "-m", str(mem_mb), "-smp", str(smp),
               "-nodefaults", "-no-reboot", "-display", "none", "-vga", "none",
               "-kernel", os.path.join(image, "vmlinux"),
               "-initrd", os.path.join(image, "initramfs.cpio.gz"),
               "-append", " ".join(append),
               "-serial", f"file:{self.run_dir}/console.log", "-device", "virtio-rng-pci",
               "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,"
                          "multidevs=remap",
               "-virtfs", f"local,path={self.run_dir},mount_tag=hilrun,security_model=none,"
                          "multidevs=remap"]
        for i, d in enumerate(rw):
            cmd += ["-virtfs", f"local,path={d},mount_tag=rw{i},security_model=none,"
                               "multidevs=remap"]
        if disk:
            cmd += ["-drive", f"file={disk},if=virtio,format=raw"]
        self.proc = subprocess.Popen(["timeout", "-k", "5", str(timeout_s)] + cmd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)

    def path(self, name):
        return os.path.join(self.run_dir, name)

    def running(self):
        return self.proc.poll() is None

    def cut_power(self):
        """SIGKILL to qemu: the guest loses everything it had not written to its disks."""
        if self.running():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def wait(self):
        """Waits for the power-off; returns (exit code, stdout, stderr). Code 125: none."""
        _, err = self.proc.communicate()
        self.wall_s = time.monotonic() - self.started
        rc = NO_CODE
        try:
            with open(self.path("rc")) as f:
                rc = int(f.read().strip())
        except (OSError, ValueError):
            pass
        self.qemu_stderr = err.decode(errors="replace")
        return rc, self.read("stdout"), self.read("stderr")

    def read(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def console_tail(self, lines=30):
        text = self.read("console.log").splitlines()[-lines:]
        return "\n".join(text + ([self.qemu_stderr.strip()] if self.qemu_stderr.strip() else []))

    def cleanup(self):
        shutil.rmtree(self.run_dir, ignore_errors=True)


def run(image, script, **kw):
    """Boots, runs `script`, powers off. Returns (rc, stdout, stderr, console tail, wall s)."""
    vm = Vm(image, script, **kw)
    try:
        rc, out, err = vm.wait()
        tail = vm.console_tail() if rc == NO_CODE else ""
        return rc, out, err, tail, vm.wall_s
    finally:
        vm.cleanup()
