# SPDX-License-Identifier: MIT
"""Real TLS peers for the network integration tests: certificates made with the openssl CLI, a
Python http.server + ssl origin, openssl s_server, and nginx in a temporary prefix. Every server
is a child process that is killed at the end (see Peers.close)."""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=15):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, timeout=60, **kw)


class Pki:
    """A CA and leaves signed by it (openssl ca, so validity dates can be chosen)."""

    def __init__(self, folder):
        self.dir = folder
        os.makedirs(os.path.join(folder, "newcerts"), exist_ok=True)
        open(os.path.join(folder, "index.txt"), "w").close()
        with open(os.path.join(folder, "serial"), "w") as f:
            f.write("1000\n")
        self.ca_key = self.path("ca.key")
        self.ca = self.path("ca.pem")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key,
             "-out", self.ca, "-days", "3650", "-subj", "/CN=Snapstage Integration CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        with open(self.path("ca.cnf"), "w") as f:
            f.write(f"""[ ca ]
default_ca = ca_default
[ ca_default ]
dir = {folder}
database = {folder}/index.txt
new_certs_dir = {folder}/newcerts
serial = {folder}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ localhost ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[ wronghost ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[ ipaddr ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1
""")

    def path(self, name):
        return os.path.join(self.dir, name)

    def leaf(self, name, start="20240101000000Z", end="20991231000000Z", ext="localhost",
             key="ec"):
        key_path, csr, cert = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".pem")
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if key == "ec" \
            else ["-newkey", "rsa:2048"]
        run(["openssl", "req", "-new", *newkey, "-nodes", "-keyout", key_path, "-out", csr,
             "-subj", "/CN=" + ("localhost" if ext == "localhost" else "wrong.example")])
        run(["openssl", "ca", "-batch", "-notext", "-config", self.path("ca.cnf"), "-cert", self.ca,
             "-keyfile", self.ca_key, "-startdate", start, "-enddate", end, "-extensions", ext,
             "-in", csr, "-out", cert])
        return cert, key_path

    def self_signed(self, name):
        key_path, cert = self.path(name + ".key"), self.path(name + ".pem")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key_path, "-out", cert, "-days", "30", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost"])
        return cert, key_path

    @staticmethod
    def pin(cert):
        pub = run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"]).stdout
        der = run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub).stdout
        import base64
        import hashlib
        return "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()


class Peers:
    """Starts servers and kills them all in close()."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def _start(self, args, port, **kw):
        log = open(os.path.join(self.workdir, f"server-{port}.log"), "wb")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        wait_port(port, p)
        return p

    def python_origin(self, cert, key, data_dir):
        port = free_port()
        self._start([sys.executable, os.path.join(HERE, "net_origin.py"), str(port), cert, key,
                     data_dir], port)
        return port

    def s_server(self, cert, key, www_dir, extra=()):
        port = free_port()
        self._start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert,
                     "-key", key, "-WWW", "-quiet", "-naccept", "50", *extra], port, cwd=www_dir)
        return port

    def nginx(self, cert, key, files_dir, backend_port, tls12_ciphers=None, prefer_server=True):
        """nginx on TLS 1.2 and 1.3; with tls12_ciphers (OpenSSL names), TLS 1.2 with only those,
        in the server's order of preference unless prefer_server is false (then the client's)."""
        port = free_port()
        tls = "ssl_protocols TLSv1.2 TLSv1.3;"
        if tls12_ciphers:
            prefer = "on" if prefer_server else "off"
            tls = f"ssl_protocols TLSv1.2; ssl_ciphers {tls12_ciphers}; ssl_prefer_server_ciphers {prefer};"

        prefix = os.path.join(self.workdir, f"nginx-{port}")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(port=port, cert=cert, key=key, files=files_dir,
                                      prefix=prefix, backend=backend_port, tls=tls))
        self._start(["nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"], port)
        return port

    def sandbox(self, state_dir, *flags):
        """tools/sandbox on a free port; returns its start-up line (port, ca_file, base_url)."""
        import json
        script = os.path.join(HERE, "..", "..", "tools", "sandbox", "sandbox.py")
        p = subprocess.Popen([sys.executable, script, "--port", "0", "--state", state_dir,
                              "--quiet", *flags], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        info = json.loads(p.stdout.readline())
        wait_port(info["port"], p)
        return info

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# One process (no worker switching to another user), everything under the prefix, TLS on, uploads
# proxied to the Python origin whose multipart parser reports what it received.
NGINX_CONF = """
master_process off;
worker_processes 1;
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 200m;
    keepalive_timeout 30s;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {tls}
        ssl_session_cache shared:tls:1m;
        location /files/ {{ alias {files}/; }}
        location /upload {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_request_buffering on;
        }}
        location /discard {{ proxy_pass http://127.0.0.1:{backend}; }}
    }}
}}
"""
