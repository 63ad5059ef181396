# SPDX-License-Identifier: MIT
# Creates the sandbox CA and one certificate per origin (API, CDN, S3) with the openssl CLI.
import os
import ssl
import subprocess
import sys
import time

# Mbed TLS 2.28 matches the host name against DNS names only, so 127.0.0.1 is also a DNS name.
SAN = "DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1, IP:::1"
_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = %(san)s
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _openssl(args, cwd):
    proc = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s"
                           % (args[0], proc.stderr.decode(errors="replace")))
    return proc.stdout


def _new_key(path, cwd):
    _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-out", path], cwd)
    os.chmod(os.path.join(cwd, path), 0o600)


def _valid(cert, cwd, seconds=86400):
    """True when cert exists and stays valid for at least `seconds`. Read in-process where the
    interpreter can (an openssl process costs about a second on a slow emulated machine, and the
    sandbox checks four certificates at every start)."""
    path = os.path.join(cwd, cert)
    if not os.path.exists(path):
        return False
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is not None:
        try:
            return ssl.cert_time_to_seconds(decode(path)["notAfter"]) > time.time() + seconds
        except (ValueError, KeyError, OSError):
            pass
    proc = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(seconds)],
                          cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return proc.returncode == 0


def _server_cert(state_dir, name, cnf, new_ca):
    """Create NAME.pem/NAME.key (own key, signed by the CA) when missing, expiring or stale."""
    profile = os.path.join(state_dir, name + ".san")
    same_san = False
    if os.path.exists(profile):
        with open(profile) as f:
            same_san = f.read().strip() == SAN
    pem, key = name + ".pem", name + ".key"
    if not new_ca and same_san and _valid(pem, state_dir) and os.path.exists(
            os.path.join(state_dir, key)):
        return
    sys.stderr.write("sandbox: creating the %s certificate for localhost\n" % name)
    _new_key(key, state_dir)
    _openssl(["req", "-config", cnf, "-new", "-key", key, "-subj", "/CN=localhost",
              "-out", name + ".csr"], state_dir)
    serial = "0x" + os.urandom(12).hex()
    _openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
              "-set_serial", serial, "-days", "825", "-sha256", "-extfile", cnf,
              "-extensions", "v3_server", "-out", pem], state_dir)
    os.remove(os.path.join(state_dir, name + ".csr"))
    with open(profile, "w") as f:
        f.write(SAN + "\n")


def ensure(state_dir, names=("server", "cdn", "s3")):
    """Return the CA file and {name: (cert_file, key_file)}, creating them in state_dir when
    missing or expiring.

    CA and server keys are EC P-256 (ECDHE-ECDSA suites, which Mbed TLS 2.28 supports). Each
    origin (API "server", "cdn", "s3") has its own key and certificate, all signed by the one CA
    and naming localhost, 127.0.0.1 and ::1 (see SAN).
    """
    os.makedirs(state_dir, exist_ok=True)
    cnf = "openssl-sandbox.cnf"
    with open(os.path.join(state_dir, cnf), "w") as f:
        f.write(_CONFIG % {"san": SAN})
    new_ca = not (_valid("ca.pem", state_dir) and os.path.exists(os.path.join(state_dir, "ca.key")))
    if new_ca:
        sys.stderr.write("sandbox: creating a CA in %s\n" % state_dir)
        _new_key("ca.key", state_dir)
        _openssl(["req", "-config", cnf, "-new", "-x509", "-key", "ca.key", "-sha256",
                  "-days", "3650", "-subj", "/CN=snapstage sandbox CA", "-extensions", "v3_ca",
                  "-out", "ca.pem"], state_dir)
    pairs = {}
    for name in names:
        _server_cert(state_dir, name, cnf, new_ca)
        pairs[name] = tuple(os.path.abspath(os.path.join(state_dir, name + ext))
                            for ext in (".pem", ".key"))
    return os.path.abspath(os.path.join(state_dir, "ca.pem")), pairs
