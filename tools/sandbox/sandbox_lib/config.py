# SPDX-License-Identifier: MIT
# Command-line options of sandbox.py and their translation into the initial switch values.
import argparse
import copy

from . import faults


def _rate(text):
    if text.lower() in ("off", "0", "none"):
        return None
    count, _, window = text.partition("/")
    try:
        return {"count": int(count), "window_seconds": float(window or 600)}
    except ValueError:
        raise argparse.ArgumentTypeError("expected COUNT/SECONDS (e.g. 10/600) or off, got %r"
                                         % text)


def _rule(text, kind):
    parts = text.split(":")
    try:
        if kind == "fail":
            rule = {"method": parts[0], "path": parts[1], "status": int(parts[2])}
            if len(parts) > 3:
                rule["count"] = int(parts[3])
            if len(parts) > 4:
                rule["when"] = parts[4]
        else:
            rule = {"method": parts[0], "path": parts[1], "seconds": float(parts[2])}
            if len(parts) > 3:
                rule["count"] = int(parts[3])
            if len(parts) > 4:
                rule["mode"] = parts[4]
    except (IndexError, ValueError):
        form = "METHOD:PATH:STATUS[:COUNT[:before|after]]" if kind == "fail" else \
            "METHOD:PATH:SECONDS[:COUNT[:before|mid_body]]"
        raise argparse.ArgumentTypeError("expected %s, got %r" % (form, text))
    return rule


def parser():
    p = argparse.ArgumentParser(
        prog="sandbox.py",
        description="Local HTTPS emulator of the AI HomeDesign and Autoenhance APIs for snapstage. "
                    "Prints one JSON line (port, ca_file, log_file, base_url, pid, cdn_base_url, "
                    "cdn_port, s3_base_url, s3_port) on stdout.")
    a = p.add_argument
    a("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; ::1 for IPv6)")
    a("--port", type=int, default=8443, help="TCP port; 0 picks a free one (default 8443)")
    a("--state", required=True, help="folder for the CA, certificate, key and default log")
    a("--cdn-port", type=int, default=0, metavar="N",
      help="TCP port of the CDN origin (result files); default 0 picks a free one")
    a("--s3-port", type=int, default=0, metavar="N",
      help="TCP port of the S3 origin (presigned uploads); default 0 picks a free one")
    a("--api-key", action="append", dest="api_keys", metavar="KEY",
      help="accepted x-api-key value; repeat for several (default sandbox-key)")
    a("--log", help="request log file, one JSON line per request (default STATE/requests.jsonl)")
    a("--conn-log", help="connection log file, one JSON line per TLS connection as it closes "
                         "(default STATE/connections.jsonl)")
    a("--quiet", action="store_true", help="no per-request lines on stderr")
    a("--bare", action="store_true",
      help="answer AI HomeDesign v3 bodies bare, not in {data, message}")
    a("--rate-limit", type=_rate, default=copy.deepcopy(faults.DEFAULTS["rate_limit"]),
      metavar="COUNT/SECONDS",
      help="order creations allowed per key per window (default 10/600; off)")
    a("--fail", type=lambda t: _rule(t, "fail"), action="append", default=[], metavar="RULE",
      help="answer STATUS on METHOD:PATH:STATUS[:COUNT[:before|after]] (PATH may use * globs; "
           "COUNT -1 = always)")
    a("--reset-upload", type=int, default=0, metavar="N",
      help="reset the connection halfway through the next N uploads")
    a("--stall", type=lambda t: _rule(t, "stall"), action="append", default=[], metavar="RULE",
      help="sleep on METHOD:PATH:SECONDS[:COUNT[:before|mid_body]]")
    a("--process-seconds", type=float, default=faults.DEFAULTS["process_seconds"], metavar="S",
      help="time a job takes from creation (or upload) to done (default 2)")
    a("--fail-processes", type=int, default=0, metavar="N",
      help="the next N jobs end failed (-1: all)")
    a("--redirect-enhanced", action="store_true",
      help="Autoenhance /enhanced answers 302 to the file instead of the bytes")
    a("--upload-url-field", choices=("both", "upload_url", "s3PutObjectUrl"), default="both",
      help="which presigned URL field POST /v3/images/ returns (default both)")
    a("--upload-url-expires", type=int, default=faults.DEFAULTS["upload_url_expires"], metavar="S",
      help="lifetime of presigned upload URLs in seconds (default 3600)")
    a("--max-upload-bytes", type=int, default=faults.DEFAULTS["max_upload_bytes"], metavar="N",
      help="largest accepted image (default 52428800 = 50 MB); over it: 413")
    a("--body-timeout", type=float, default=faults.DEFAULTS["body_timeout_seconds"], metavar="S",
      help="seconds to wait for missing body bytes before 408 (default 30)")
    a("--result-urls", choices=faults.RESULT_URLS, default=faults.DEFAULTS["result_urls"],
      help="AI HomeDesign v3 final assets carry src/thumbnail_src (src), only "
           "temp_src/temp_thumbnail_src (temp), or alternate per process (mixed); default src")
    return p


def baseline(args):
    """The initial switch values from parsed arguments (validated like POST /_admin/faults)."""
    update = {
        "bare": args.bare, "rate_limit": args.rate_limit, "fail_next": args.fail,
        "reset_upload": args.reset_upload, "stall": args.stall,
        "process_seconds": args.process_seconds, "fail_processes": args.fail_processes,
        "redirect_enhanced": args.redirect_enhanced, "upload_url_field": args.upload_url_field,
        "upload_url_expires": args.upload_url_expires, "max_upload_bytes": args.max_upload_bytes,
        "body_timeout_seconds": args.body_timeout, "result_urls": args.result_urls,
    }
    out = copy.deepcopy(faults.DEFAULTS)
    out.update(faults.parse_update(update))
    return out
