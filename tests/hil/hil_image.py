# SPDX-License-Identifier: MIT
# The test VM's image, built from Debian packages only: the stock kernel (booted as an
# uncompressed vmlinux through PVH), an initramfs with static busybox, the modules the tests need
# and /init, plus vkms, gpio-sim, irq-sim and vimc built out of tree from linux-source (Debian
# leaves them off). Cached outside the clone, keyed by the kernel ABI and a hash of the inputs.
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST = os.path.join(HERE, "guest")

# Debian modules loaded by /init (their dependencies come along), and the out-of-tree ones.
MODULES = ["virtio_pci", "virtio_rng", "9pnet_virtio", "9p", "overlay", "vivid", "vfb",
           "configfs", "uinput", "evdev", "virtio_blk", "crc32c_generic", "ext4"]
EXTRA = ["vkms", "irq_sim", "gpio_sim", "vimc"]
# Sources taken from linux-source for the out-of-tree modules.
SOURCES = ["drivers/gpu/drm/vkms", "drivers/gpio/gpio-sim.c", "drivers/gpio/gpiolib.h",
           "kernel/irq/irq_sim.c", "drivers/media/test-drivers/vimc"]
TOOLS = {"qemu-system-x86_64": "qemu-system-x86", "busybox": "busybox-static",
         "depmod": "kmod", "cpio": "cpio", "xz": "xz-utils", "make": "make", "gcc": "gcc"}


class Unavailable(Exception):
    """The VM cannot be had on this machine (no qemu, no packages): tests are skipped."""


def log(msg):
    print(f"hil: {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def kernel_abi():
    """The ABI of Debian's current kernel, e.g. 6.1.0-57-amd64 (SNAPSTAGE_HIL_KABI overrides)."""
    if os.environ.get("SNAPSTAGE_HIL_KABI"):
        return os.environ["SNAPSTAGE_HIL_KABI"]
    out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True,
                         text=True).stdout
    m = re.search(r"Depends: linux-image-(\S+)", out)
    if m:
        return m.group(1)
    heads = sorted(glob.glob("/usr/src/linux-headers-*-amd64"))
    if heads:
        return os.path.basename(heads[-1])[len("linux-headers-"):]
    raise Unavailable("cannot tell the Debian kernel ABI (apt-cache knows no linux-image-amd64)")


def packages_missing(pkgs):
    missing = []
    for p in pkgs:
        r = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", p],
                           capture_output=True, text=True)
        if r.stdout.strip() != "installed":
            missing.append(p)
    return missing


def ensure_packages(abi):
    """Installs what the image build needs (as root), else says what is missing."""
    pkgs = sorted(set(TOOLS.values())) + [f"linux-headers-{abi}"]
    missing = packages_missing(pkgs)
    if missing and os.geteuid() == 0:
        log(f"installing {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
        missing = packages_missing(pkgs)
    if missing:
        raise Unavailable(f"missing packages: {' '.join(missing)} (run scripts/setup as root)")


def cache_root():
    if os.environ.get("SNAPSTAGE_HIL_CACHE"):
        return os.environ["SNAPSTAGE_HIL_CACHE"]
    for d in ("/var/cache/snapstage-hil",
              os.path.join(os.path.expanduser("~"), ".cache", "snapstage-hil")):
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            pass
    raise Unavailable("no writable cache folder (set SNAPSTAGE_HIL_CACHE)")


def inputs_hash():
    h = hashlib.sha256()
    for path in [os.path.abspath(__file__)] + sorted(glob.glob(os.path.join(GUEST, "*"))):
        h.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def download(names, dest):
    """apt-get download into dest (kept there, so a changed harness does not fetch again)."""
    os.makedirs(dest, exist_ok=True)
    debs = []
    for name in names:
        pkg = name.split("=")[0]
        found = glob.glob(os.path.join(dest, f"{pkg}_*.deb"))
        if not found:
            log(f"downloading {name}")
            r = subprocess.run(["apt-get", "download", "-q", name], cwd=dest,
                               capture_output=True, text=True)
            found = glob.glob(os.path.join(dest, f"{pkg}_*.deb"))
            if r.returncode != 0 or not found:
                raise Unavailable(f"apt-get download {name} failed: {r.stderr.strip()[-300:]}")
        debs.append(sorted(found)[-1])
    return debs


def extract_vmlinux(vmlinuz, out):
    """The uncompressed ELF kernel inside Debian's XZ bzImage (PVH boot skips ~3.5 s of TCG)."""
    with open(vmlinuz, "rb") as f:
        data = f.read()
    at = data.find(b"\xfd7zXZ\x00")
    if at < 0:
        raise RuntimeError(f"{vmlinuz}: no XZ stream found")
    with open(out, "wb") as f:
        subprocess.run(["xz", "-dc", "--single-stream"], input=data[at:], stdout=f, check=True)
    with open(out, "rb") as f:
        if f.read(4) != b"\x7fELF":
            raise RuntimeError("the extracted kernel is not an ELF file")


def extract_sources(src_deb):
    """The SOURCES out of linux-source (decompressing it takes most of a cold build), kept
    beside the deb so that a changed harness reuses them."""
    h = hashlib.sha256("\n".join(SOURCES).encode()).hexdigest()[:8]
    src = f"{src_deb[:-4]}-{h}"
    if os.path.isdir(src):
        return src
    tmp = src + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    log("extracting the out-of-tree modules' sources from linux-source")
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", src_deb], stdout=subprocess.PIPE)
    inner = subprocess.Popen(["tar", "-xO", "./usr/src/linux-source-6.1.tar.xz"],
                             stdin=tar.stdout, stdout=subprocess.PIPE)
    run(["tar", "-xJ", "-C", tmp, "--strip-components=1"] +
        [f"linux-source-6.1/{s}" for s in SOURCES], stdin=inner.stdout)
    if inner.wait() != 0 or tar.wait() != 0:
        raise RuntimeError(f"cannot read {src_deb}")
    os.rename(tmp, src)
    return src


def patch_vkms_clones(path):
    """Lets vkms' output and writeback encoders drive one CRTC together. Debian's 6.1 has the
    atomic check of encoder clones (drm_atomic_check_valid_clones, from 6.1.12x), but not vkms'
    matching fix, so each encoder may only be cloned with itself and every writeback commit
    fails with EINVAL."""
    with open(path) as f:
        text = f.read()
    anchor = '\t\tif (writeback)\n\t\t\tDRM_ERROR("Failed to init writeback connector\\n");\n'
    if "possible_clones" in text:
        return
    if anchor not in text:
        raise RuntimeError(f"{path}: the writeback set-up is not where expected")
    clones = ("\t\telse\n\t\t\tencoder->possible_clones = "
              "vkmsdev->output.wb_connector.encoder.possible_clones =\n"
              "\t\t\t\tdrm_encoder_mask(encoder) |\n"
              "\t\t\t\tdrm_encoder_mask(&vkmsdev->output.wb_connector.encoder);\n")
    with open(path, "w") as f:
        f.write(text.replace(anchor, anchor + clones))


def build_extra(src_deb, abi, work):
    """Builds vkms, irq-sim, gpio-sim and vimc out of tree against linux-headers-ABI."""
    src = extract_sources(src_deb)
    m = os.path.join(work, "mod")
    for d in ("irq", "gpio", "vkms", "vimc"):
        os.makedirs(os.path.join(m, d))
    with open(os.path.join(m, "Kbuild"), "w") as f:
        f.write("obj-m += irq/ gpio/ vkms/ vimc/\n")
    # irq_sim.c as a module of its own; irq_to_desc() is not exported to modules.
    with open(os.path.join(src, "kernel/irq/irq_sim.c")) as f:
        irq = f.read()
    irq = irq.replace("handle_simple_irq(irq_to_desc(irqnum))", "generic_handle_irq(irqnum)")
    irq = "#include <linux/module.h>\n" + irq + '\nMODULE_LICENSE("GPL");\n'
    with open(os.path.join(m, "irq/irq-sim-core.c"), "w") as f:
        f.write(irq)
    with open(os.path.join(m, "irq/Kbuild"), "w") as f:
        f.write("obj-m += irq-sim.o\nirq-sim-y := irq-sim-core.o\n")
    shutil.copy(os.path.join(src, "drivers/gpio/gpio-sim.c"), os.path.join(m, "gpio/gpio-sim-core.c"))
    shutil.copy(os.path.join(src, "drivers/gpio/gpiolib.h"), os.path.join(m, "gpio"))
    with open(os.path.join(m, "gpio/Kbuild"), "w") as f:
        f.write("obj-m += gpio-sim.o\ngpio-sim-y := gpio-sim-core.o\n")
    for d, cfg in (("vkms", "DRM_VKMS"), ("vimc", "VIDEO_VIMC")):
        tree = os.path.join(src, "drivers/gpu/drm/vkms" if d == "vkms"
                            else "drivers/media/test-drivers/vimc")
        for f in glob.glob(os.path.join(tree, "*.[ch]")):
            shutil.copy(f, os.path.join(m, d))
        if d == "vkms":
            patch_vkms_clones(os.path.join(m, d, "vkms_output.c"))
        with open(os.path.join(tree, "Makefile")) as f:
            mk = f.read().replace(f"obj-$(CONFIG_{cfg})", "obj-m")
        with open(os.path.join(m, d, "Kbuild"), "w") as f:
            f.write(mk)
    log("building vkms, irq-sim, gpio-sim, vimc out of tree")
    run(["make", "-s", "-C", f"/usr/src/linux-headers-{abi}", f"M={m}", f"-j{os.cpu_count()}",
         "modules"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sorted(glob.glob(os.path.join(m, "*", "*.ko")))


def module_closure(moddir, wanted):
    """Relative paths of the wanted modules and everything they depend on (modules.dep)."""
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {os.path.basename(p)[:-3].replace("-", "_"): p for p in deps}
    with open(os.path.join(moddir, "modules.builtin")) as f:
        builtin = {os.path.basename(x.strip())[:-3].replace("-", "_") for x in f}
    out, todo = set(), []
    for name in wanted:
        n = name.replace("-", "_")
        if n in by_name:
            todo.append(by_name[n])
        elif n not in builtin:
            raise RuntimeError(f"module {name} is neither in modules.dep nor built in")
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo.extend(deps[p])
    return sorted(out)


def build_initramfs(tree, abi, kos, out):
    moddir = os.path.join(tree, "lib/modules", abi)
    os.makedirs(os.path.join(moddir, "extra"), exist_ok=True)
    for ko in kos:
        shutil.copy(ko, os.path.join(moddir, "extra"))
    run(["depmod", "-b", tree, abi])
    root = os.path.join(os.path.dirname(out), "initramfs")
    rmod = os.path.join(root, "lib/modules", abi)
    for rel in module_closure(moddir, MODULES + EXTRA):
        os.makedirs(os.path.join(rmod, os.path.dirname(rel)), exist_ok=True)
        shutil.copy(os.path.join(moddir, rel), os.path.join(rmod, rel))
    for f in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        shutil.copy(os.path.join(moddir, f), rmod)
    run(["depmod", "-b", root, abi])
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(root, "bin/busybox"))
    shutil.copy(os.path.join(GUEST, "init"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    if os.geteuid() == 0:
        subprocess.run(["mknod", "-m", "600", os.path.join(root, "dev/console"), "c", "5", "1"])
    files = subprocess.run("find . | LC_ALL=C sort", shell=True, cwd=root, check=True,
                           capture_output=True).stdout
    with open(out, "wb") as f:
        cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=root,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=f)
        cpio.stdin.write(files)
        cpio.stdin.close()
        if cpio.wait() != 0 or gz.wait() != 0:
            raise RuntimeError("cpio of the initramfs failed")


def image():
    """The cached image folder (vmlinux, initramfs.cpio.gz), built on first use."""
    if os.environ.get("SNAPSTAGE_HIL") == "off":
        raise Unavailable("SNAPSTAGE_HIL=off")
    if os.uname().machine != "x86_64":
        raise Unavailable("the VM test bed runs on x86-64 hosts (an amd64 Debian kernel)")
    have_qemu = shutil.which("qemu-system-x86_64") is not None
    if not have_qemu and os.geteuid() != 0:
        raise Unavailable("qemu-system-x86_64 is not installed (package qemu-system-x86)")
    root = cache_root()
    # Fast path, with no apt: an image already built for a kernel whose headers are installed.
    heads = sorted(glob.glob("/usr/src/linux-headers-*-amd64"), reverse=True) if have_qemu else []
    for head in heads:
        abi = os.environ.get("SNAPSTAGE_HIL_KABI") or head[len("/usr/src/linux-headers-"):]
        if os.path.exists(os.path.join(root, f"{abi}-{inputs_hash()}", "ready")):
            return os.path.join(root, f"{abi}-{inputs_hash()}")
    abi = kernel_abi()
    ensure_packages(abi)
    if subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True).returncode != 0:
        raise Unavailable("qemu-system-x86_64 does not run here")
    final = os.path.join(root, f"{abi}-{inputs_hash()}")
    if os.path.exists(os.path.join(final, "ready")):
        return final
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(final, "ready")):
            return final
        img_deb, src_deb = download_kernel(abi, os.path.join(root, "debs"))
        work = tempfile.mkdtemp(prefix="build-", dir=root)
        try:
            tree = os.path.join(work, "tree")
            log(f"unpacking linux-image-{abi}")
            run(["dpkg", "-x", img_deb, tree])
            kos = build_extra(src_deb, abi, work)
            out = os.path.join(work, "image")
            os.makedirs(out)
            extract_vmlinux(os.path.join(tree, "boot", f"vmlinuz-{abi}"),
                            os.path.join(out, "vmlinux"))
            build_initramfs(tree, abi, kos, os.path.join(out, "initramfs.cpio.gz"))
            shutil.rmtree(os.path.join(out, "initramfs"))
            with open(os.path.join(out, "ready"), "w") as f:
                f.write(f"{abi}\n")
            shutil.rmtree(final, ignore_errors=True)
            os.rename(out, final)
            for old in glob.glob(os.path.join(root, f"{abi}-*")):
                if old != final:
                    shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log(f"image ready in {final}")
    return final


def download_kernel(abi, dest):
    """The kernel image deb and the linux-source deb of the same Debian version."""
    ver = subprocess.run(["apt-cache", "show", "--no-all-versions", f"linux-image-{abi}"],
                         capture_output=True, text=True).stdout
    m = re.search(r"^Version: (\S+)", ver, re.M)
    src = f"linux-source-6.1={m.group(1)}" if m else "linux-source-6.1"
    for old in glob.glob(os.path.join(dest, "*")):
        if abi not in old and (not m or m.group(1).replace(":", "%3a") not in old):
            shutil.rmtree(old) if os.path.isdir(old) else os.remove(old)
    return download([f"linux-image-{abi}", src], dest)
