"""`rasa run`, with `PUT /model` loading the new model beside the old one.

    python -m aftercare_serve run --enable-api -m MODEL ...   (same arguments as rasa)

Rasa 3.6 answers `PUT /model` by loading the model inside its request handler, on the
server's one event loop: for the tens of seconds DIET takes to load, every parse waits
(a client with a 2 s timeout sees the NLU down). Here the load runs in a worker thread
with its own event loop, so parses go on with the old model until Rasa swaps the agent
(`app.ctx.agent = new_agent`, one assignment on the event loop). Nothing else changes:
the same Rasa, routes and answers; a model that does not load is refused as before and
the old one stays.

It lives beside the Rasa project, not in aftercare_nlu/: it only serves, so it is no
training input (nlu/paths.py hashes those into the model's name).
"""

from __future__ import annotations

import asyncio
import sys

import aftercare_load
import rasa.server

_load_agent = rasa.server._load_agent


async def _load_agent_beside(*args, **kwargs):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: asyncio.run(_loaded_and_warm(args, kwargs)))


async def _loaded_and_warm(args, kwargs):
    agent = await _load_agent(*args, **kwargs)
    # The first parse traces TensorFlow's prediction graph (seconds on a loaded machine):
    # done here, the first customer's parse after the swap is as fast as any other.
    await agent.parse_message("你好")
    return agent


def main() -> None:
    # DIET's weights without the training-graph trace (aftercare_load.py): start-up and
    # PUT /model load the same model file in a fraction of the time.
    aftercare_load.install()
    # rasa.server's PUT /model handler looks `_load_agent` up in its module at call time.
    rasa.server._load_agent = _load_agent_beside
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
