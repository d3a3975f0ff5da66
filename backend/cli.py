"""The `aftercare` command: the one composition root's entry point.

Nothing is opened or read from the environment at import time; each command builds
its settings and resources when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftercare",
        description="Aftercare: chat-first after-sales service desk.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from backend import commands as backend_commands
    from nlu import commands as nlu_commands

    backend_commands.register(sub)
    nlu_commands.register(sub, labelled=backend_commands.labelled_examples)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.handler(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
