"""Run localstripe on 127.0.0.1 only, with its state kept in memory.

``localstripe --port N`` binds every interface (``::``) and pickles its whole store to the fixed
file ``/tmp/localstripe.pickle`` after every write, which is slow for long runs and makes two
instances on one machine overwrite each other's file. The harness always starts from scratch,
so this launcher serves the same aiohttp application on loopback and skips the pickling.

Usage: ``python tools/localstripe_loopback.py PORT`` with a Python that has localstripe.
"""

from __future__ import annotations

import logging
import sys

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    """Serve localstripe's app on 127.0.0.1:PORT until killed."""
    port = int(sys.argv[1])
    # The harness never reloads a saved store, so saving one is wasted work.
    resources.Store.dump_to_disk = lambda self: None
    access_log = logging.getLogger("aiohttp.access")
    access_log.setLevel(logging.INFO)
    access_log.addHandler(logging.StreamHandler())
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=access_log, print=print)


if __name__ == "__main__":
    main()
