"""A stand-in application role for the launcher's tests (the real services may not exist yet).

``python -m lms_fake_role [--http VAR] [--child] [--ignore-term]``:
  --http VAR     serve GET /healthz -> 200 on the port in $VAR (e.g. LMS_COURSES_PORT)
  --child        fork a long ``sleep`` into the same process group (the launcher must reap it)
  --ignore-term  ignore SIGTERM, so only the SIGKILL escalation stops it
  --exit CODE    exit at once with CODE (a crashing role)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 404
        body = f'{{"role": "{os.environ.get("LMS_ROLE")}", "replica": "{os.environ.get("LMS_REPLICA")}"}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", metavar="PORT_VAR")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--exit", type=int, default=None)
    args = parser.parse_args()
    if args.exit is not None:
        raise SystemExit(args.exit)
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.child:
        subprocess.Popen(["sleep", "1000"])
    print(
        f"fake role {os.environ.get('LMS_ROLE')} replica {os.environ.get('LMS_REPLICA')} "
        f"worker {os.environ.get('LMS_WORKER_ID', '-')}",
        flush=True,
    )
    if args.http:
        port = int(os.environ[args.http])
        ThreadingHTTPServer(("127.0.0.1", port), _Health).serve_forever()
    else:
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main()
