"""Run localstripe on 127.0.0.1 only and without its pickle file (the CLI binds every interface and
writes /tmp/localstripe.pickle). Usage: python localstripe_server.py PORT"""

import sys

import localstripe.resources as resources
from aiohttp import web
from localstripe.server import app

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *a, **k: print(*a, **k, flush=True))
