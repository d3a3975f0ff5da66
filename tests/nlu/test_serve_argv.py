"""The Rasa server's command line: a token that begins with "-" is still the token."""

from __future__ import annotations

import argparse
from pathlib import Path

from nlu.server import serve_argv


def test_a_token_starting_with_a_dash_is_not_read_as_an_option(tmp_path: Path):
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"")
    argv = serve_argv(model, "127.0.0.1", 5005, "-Xq9token")
    parser = argparse.ArgumentParser()  # rasa's own parser is argparse, like this one
    parser.add_argument("--auth-token")
    known, _ = parser.parse_known_args(argv[3:])
    assert known.auth_token == "-Xq9token"
