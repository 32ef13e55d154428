"""Handing a delivered file to a client over HTTP, the same way for the API and the pages.

With an object store the client is redirected to a short-lived presigned URL and fetches the
bytes from the store; otherwise the app serves the file itself. Both honour range requests, so
a client resumes a broken download where it stopped. A ``Range`` header that does not parse,
names another unit or asks for several ranges is ignored and the whole file served (RFC 9110
§14.2); one byte range past the file's end is a 416 with ``Content-Range: bytes */N``.
"""

from __future__ import annotations

from flask import Response, redirect, request, send_file
from werkzeug.http import parse_range_header

from market.files import FileStore
from market.registry.models import AssetFile


def requested_range() -> tuple[int, int | None] | None:
    """The one byte range the request asks for (``(start, stop)``, a suffix as ``(-n, None)``),
    or ``None`` when it asks for none we serve: the whole file is sent instead."""
    parsed = parse_range_header(request.headers.get("Range"))
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    return parsed.ranges[0]


def resuming() -> bool:
    """Whether this request continues a download: a range that starts past byte 0, or a suffix
    (the last bytes). A range ignored (:func:`requested_range`) is a whole download and is
    counted as one."""
    byte_range = requested_range()
    return byte_range is not None and byte_range[0] != 0


def file_response(store: FileStore, asset_file: AssetFile, ttl: int) -> Response:
    """A presigned redirect to the stored file, or the file itself (with range support)."""
    key, name, media_type = asset_file.storage_key, asset_file.name, asset_file.media_type
    url = store.download_url(key, name, media_type, ttl)
    if url is not None:
        response = redirect(url, code=302)
    else:
        byte_range = requested_range()
        whole_suffix = byte_range is not None and -byte_range[0] >= asset_file.size
        if byte_range is None or whole_suffix:
            # send_file reads the header from the environment; one it would refuse with a 416
            # is dropped, so the whole file is served (as for a suffix longer than the file:
            # RFC 9110 §14.1.2 gives the whole representation, which Werkzeug refuses).
            request.environ.pop("HTTP_RANGE", None)
        path = store.local_path(key)
        response = send_file(
            path if path is not None else store.open(key),
            mimetype=media_type,
            as_attachment=True,
            download_name=name,
            conditional=True,
        )
    response.headers["X-Content-SHA256"] = asset_file.sha256
    return response
