"""`python -m nlu train|serve|eval`: the `aftercare nlu` commands without the app, for the
Rasa image (deploy/rasa.Dockerfile), which has Rasa's Python and not the app's."""

from __future__ import annotations

import argparse
import sys

from nlu import commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu")
    commands.register(parser.add_subparsers(dest="command", required=True))
    # `register` adds the `nlu` group the app's CLI nests; accept both spellings.
    args = parser.parse_args(["nlu", *(argv if argv is not None else sys.argv[1:])])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
