"""Werkzeug's development server (``shujiao demo``), reading request lines as clients send them."""

from __future__ import annotations

import re

from werkzeug.serving import WSGIRequestHandler

_NOT_ASCII = re.compile(rb"[\x80-\xff]")


class RequestHandler(WSGIRequestHandler):
    """Percent-encodes the bytes of a request line that are not ASCII before it is parsed.

    ``curl 'http://127.0.0.1:5000/market?q=公交'`` sends the query as raw UTF-8. The standard
    library reads the request line as Latin-1 and splits it on whitespace, which in Latin-1
    includes bytes of many Chinese characters (0x85, 0xA0): the line falls apart (400). When it
    does not, Werkzeug encodes the Latin-1 text again as if it were decoded text, and the query
    arrives full of C1 control characters, which the request guard refuses (422). Encoding the
    bytes as browsers do (RFC 3987) gives the request the application expects. gunicorn passes
    the bytes as they came and needs none of this.
    """

    def parse_request(self) -> bool:
        self.raw_requestline = _NOT_ASCII.sub(
            lambda byte: b"%%%02X" % byte.group()[0], self.raw_requestline
        )
        return super().parse_request()
