# SPDX-License-Identifier: MIT
# Starts timed processing jobs and renders their derived images on bounded background threads.
import sys
import threading
import time
import traceback

from . import images, render
from .store import Job, Result

_RENDER_SLOTS = threading.BoundedSemaphore(2)
MAGIC_WORD = "fail"


def magic_fail(blob, names=()):
    """True when a file name or the JPEG comment asks for a failure (contains 'fail')."""
    texts = [blob.filename, blob.comment] + [n for n in names if n]
    return any(MAGIC_WORD in t.lower() for t in texts)


def start(app, blob, style, names=()):
    """Create a Job for blob, decide now whether it must fail, render in the background. The job
    is journaled before this returns, so it survives a restart of the sandbox."""
    reason = None
    if app.faults.take_fail_process():
        reason = "failed on purpose by the sandbox switch fail_processes"
    elif magic_fail(blob, names):
        reason = "failed on purpose: the file name or JPEG comment contains '%s'" % MAGIC_WORD
    job = Job(app.faults.get("process_seconds"), reason, blob, style)
    app.store.add("jobs", job.id, job)
    resume(app, job)
    return job


def resume(app, job):
    """Render job on a background thread (a new job, or one a restart interrupted: its
    timestamps are kept, so it is done when it would have been)."""
    threading.Thread(target=_work, args=(app, job), daemon=True, name="render").start()


def _work(app, job):
    try:
        if job.fail_reason:
            job.error = job.fail_reason
            return
        with _RENDER_SLOTS:
            data, w, h = render.derive(job.blob.data, job.style)
        result = Result(data, w, h)
        app.store.add("results", result.id, result)
        job.result = result
    except images.ImageError as e:
        job.error = "cannot process the input image: %s" % e
    except Exception as e:  # a sandbox bug: fail the job, keep serving
        job.error = "sandbox internal error while rendering: %s" % e
        traceback.print_exc(file=sys.stderr)
    finally:
        job.finished_at = time.time()
        _save(app, job)
        job.finished.set()  # only now may an answer say done: the result is on disk


def _save(app, job):
    try:
        app.store.save("jobs", job.id)
    except OSError as e:
        sys.stderr.write("sandbox: cannot save job %s: %s\n" % (job.id, e))
