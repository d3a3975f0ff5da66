"""Cold start of the Rasa NLU server: process start to the first answered parse.

    .venv/bin/python -m bench.nlu_startup [--runs 1] [--debug] [--plain]

Starts the current model with the same command and environment as `aftercare nlu
serve` (nlu.server.start; `--plain`: Rasa's own `rasa run`, which loads DIET the slow
way, nlu/project/aftercare_load.py), on a free loopback port, and reports per run: seconds
until /status answers (what `make run` waits for), until the first /model/parse
answers, and the phases read from Rasa's own log timestamps ("Loading model" and
"up and running"). Target (issue 13): ready within 20 s. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.request
from datetime import datetime

from nlu import paths, server

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def _stamp(log: str, needle: str) -> datetime | None:
    for line in log.splitlines():
        if needle in line and (m := _STAMP.match(line)):
            return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    return None


def one_run(debug: bool, plain: bool = False) -> dict:
    port = server.free_port()
    token = "bench-startup"
    argv = server.serve_argv(paths.current_model(), "127.0.0.1", port, token)
    if plain:
        argv = [str(paths.rasa_executable()), *argv[3:]]  # drop "python -m aftercare_serve"
    if debug:  # Rasa's debug log times DIET's own loading steps
        argv.append("--debug")
    started = time.monotonic()
    srv = server.start(argv, port=port, token=token, ready_timeout=600)
    ready = time.monotonic() - started
    try:
        request = urllib.request.Request(
            f"{srv.url}/model/parse?token={srv.token}",
            data=json.dumps({"text": "你好"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
        first_parse = time.monotonic() - started
    finally:
        srv.stop()
    log = srv.log_path.read_text(encoding="utf-8", errors="replace")
    marks = {
        "loading_model": _stamp(log, "Loading model"),
        "diet_load_start": _stamp(log, "Loading the model from"),
        "diet_load_end": _stamp(log, "Finished loading the model"),
        "up_and_running": _stamp(log, "up and running"),
    }
    first = marks["loading_model"]
    return {
        "ready_s": round(ready, 1),
        "first_parse_s": round(first_parse, 1),
        # Seconds after "Loading model" (whole seconds: Rasa's log resolution).
        "after_loading_model_s": {
            k: (v - first).seconds if v and first else None for k, v in marks.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--debug", action="store_true", help="time DIET's load steps too")
    parser.add_argument("--plain", action="store_true", help="Rasa's own `rasa run`")
    args = parser.parse_args(argv)
    if not paths.current_model().exists():
        print("no current model: run `aftercare nlu train` first", file=sys.stderr)
        return 2
    runs = [one_run(args.debug, args.plain) for _ in range(args.runs)]
    launcher = "rasa run" if args.plain else "aftercare_serve"
    report = {"model": paths.current_model().name, "launcher": launcher, "runs": runs}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
