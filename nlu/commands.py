"""`aftercare nlu ...` commands (train, serve, eval). Owned by the NLU work."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    nlu = sub.add_parser("nlu", help="train, serve and evaluate the Rasa NLU model")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", metavar="NLU_COMMAND", required=True)
    train = nlu_sub.add_parser("train", help="train the model (skipped when unchanged)")
    train.set_defaults(handler=lambda args: print("not yet") or 0)
