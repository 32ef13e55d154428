"""Handing a delivered file to a client over HTTP, the same way for the API and the pages.

With an object store the client is redirected to a short-lived presigned URL and fetches the
bytes from the store; otherwise the app serves the file itself. Both honour range requests, so
a client resumes a broken download where it stopped.
"""

from __future__ import annotations

from flask import Response, redirect, request, send_file

from market.files import FileStore
from market.registry.models import AssetFile


def resuming() -> bool:
    """Whether this request continues a download: a range that starts past byte 0."""
    unit, _, ranges = (request.headers.get("Range") or "").partition("=")
    start = ranges.split("-", 1)[0].strip()
    return unit.strip() == "bytes" and start.isdigit() and int(start) > 0


def file_response(store: FileStore, asset_file: AssetFile, ttl: int) -> Response:
    """A presigned redirect to the stored file, or the file itself (with range support)."""
    key, name, media_type = asset_file.storage_key, asset_file.name, asset_file.media_type
    url = store.download_url(key, name, media_type, ttl)
    if url is not None:
        response = redirect(url, code=302)
    else:
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
