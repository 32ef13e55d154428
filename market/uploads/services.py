"""Resumable uploads: open a session, send parts, resume, complete; the worker fingerprints.

A session names one file of an asset and its exact size, cut into parts of ``part_size`` bytes
(the last holds the rest). Parts go straight to the object store through presigned URLs, or
through the API where the store is a local directory; a client that lost its connection asks
which parts are stored and sends the others. Completing checks that every part is there with
its exact size and that the first bytes match the file's type, joins the parts, and leaves the
SHA-256 to the worker, which streams the object once (never holding it in memory) before the
file is registered as a new version of the asset. Every function takes the caller's session
and never commits; object-store calls are idempotent so a rolled-back request can be retried.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, DomainError, InvalidInput, NotFound
from market.files import FileStore, FileStoreError, Part, PartRefused
from market.identity.models import User
from market.registry import assets, filetypes
from market.registry.models import Asset
from market.states import Actor
from market.text import N_
from market.uploads.models import UploadSession, UploadState
from market.uploads.states import Action, next_state

FINGERPRINT_TOPIC = "uploads.fingerprint"

MiB = 1024 * 1024
MIN_PART_BYTES = 5 * MiB  # S3's minimum for every part but the last
MAX_PART_BYTES = 5 * 1024 * MiB  # S3's maximum
MAX_PARTS = 10_000  # S3's maximum


class UploadRefused(InvalidInput):
    """The joined file is not what it claims to be: refused for good, its object dropped."""


class UploadExpired(DomainError):
    """The session was abandoned too long and its parts are gone."""

    status = 410


@dataclass(frozen=True)
class UploadSettings:
    """What uploads need from the configuration (defaults: ``market/config.py``)."""

    max_asset_file_bytes: int
    part_bytes: int
    session_hours: int
    part_url_ttl: int
    api_part_limit: int  # a part sent through the API is one request: MAX_UPLOAD_BYTES


def settings_from(config: Mapping) -> UploadSettings:
    """Upload settings from a Flask app's ``config``."""
    return UploadSettings(
        max_asset_file_bytes=int(config["MAX_ASSET_FILE_BYTES"]),
        part_bytes=int(config["UPLOAD_PART_BYTES"]),
        session_hours=int(config["UPLOAD_SESSION_HOURS"]),
        part_url_ttl=int(config["UPLOAD_PART_URL_TTL"]),
        api_part_limit=int(config["MAX_UPLOAD_BYTES"]),
    )


def largest_file(store: FileStore, settings: UploadSettings) -> int:
    """The largest file a session on ``store`` takes: the setting, or what ``MAX_PARTS`` of the
    largest part the store accepts can hold, if that is less (through the API, where the store
    takes no presigned parts, a part is one request of at most ``MAX_UPLOAD_BYTES``)."""
    part_limit = MAX_PART_BYTES if store.presigns_parts else settings.api_part_limit
    return min(settings.max_asset_file_bytes, MAX_PARTS * part_limit)


def _part_size(size: int, wanted: int | None, store: FileStore, settings: UploadSettings) -> int:
    limit = MAX_PART_BYTES if store.presigns_parts else settings.api_part_limit
    if wanted is None:
        # The configured size, grown just enough to stay within the parts limit.
        wanted = max(settings.part_bytes, math.ceil(size / MAX_PARTS / MiB) * MiB)
        return min(wanted, limit, size)
    # A part larger than a store takes is refused even for a file that fits in it: the caller
    # asked for something the exchange does not do, and a silent clamp would hide it. A small
    # part is fine when it is the whole file.
    if wanted > limit or (size > wanted and wanted < MIN_PART_BYTES):
        raise InvalidInput(
            N_("The part size is outside the accepted range."),
            field="part_size",
            facts={"limits": [MIN_PART_BYTES, limit]},
        )
    return min(wanted, size)


def begin(
    session: Session,
    store: FileStore,
    asset: Asset,
    user: User,
    data: dict,
    settings: UploadSettings,
    now: datetime,
) -> UploadSession:
    """Open a session for one file of ``asset`` (the caller has checked the organisation)."""
    name = assets.clean_name(data["name"], "name", folders=False)
    media_type = filetypes.media_type(name, "name")
    size = data["size"]
    largest = largest_file(store, settings)
    if size > largest:
        raise assets.UploadTooLarge(
            N_("The file is larger than the upload limit."), field="size", facts={"limit": largest}
        )
    part_size = _part_size(size, data.get("part_size"), store, settings)
    part_count = math.ceil(size / part_size)
    if part_count > MAX_PARTS:
        raise InvalidInput(
            N_("Too many parts: choose a larger part size."),
            field="part_size",
            max_parts=[MAX_PARTS],
        )
    token = uuid.uuid4().hex
    upload = UploadSession(
        token=token,
        organisation_id=asset.organisation_id,
        asset_id=asset.id,
        created_by_id=user.id,
        name=name,
        media_type=media_type,
        size=size,
        part_size=part_size,
        part_count=part_count,
        # If this transaction rolls back, the sweep aborts the store's orphaned upload.
        store_handle=store.begin_upload(token),
        state=UploadState.OPEN,
        created_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
    )
    session.add(upload)
    session.flush()
    return upload


def upload_or_404(session: Session, token: str, organisations: Collection[int]) -> UploadSession:
    """A session of one of ``organisations``; anyone else's is indistinguishable from none."""
    upload = session.scalar(sa.select(UploadSession).where(UploadSession.token == token))
    if upload is None or upload.organisation_id not in organisations:
        raise NotFound(N_("No such upload."), field="token")
    return upload


def _check_open(upload: UploadSession, now: datetime, action: str) -> None:
    """An open upload, or the 409 naming its state and ``action``, the step refused."""
    if upload.state == UploadState.EXPIRED or (
        upload.state == UploadState.OPEN and upload.expires_at <= now
    ):
        raise UploadExpired(N_("This upload has expired; start a new one."))
    if upload.state != UploadState.OPEN:
        raise Conflict(
            N_("This upload is no longer open."),
            state=[str(upload.state.value)],
            action=[action],
        )


def _check_numbers(upload: UploadSession, numbers: Collection[int], field: str) -> None:
    wrong = sorted(n for n in numbers if not 1 <= n <= upload.part_count)
    if wrong:
        raise InvalidInput(
            N_("These part numbers are outside the upload."),
            field=field,
            part_count=[upload.part_count],
            wrong=wrong,
        )


def stored_parts(store: FileStore, upload: UploadSession) -> dict[int, Part]:
    """Parts the store holds with their exact expected size, by number."""
    return {
        part.number: part
        for part in store.list_parts(upload.token, upload.store_handle)
        if 1 <= part.number <= upload.part_count and part.size == upload.part_bytes(part.number)
    }


def describe(store: FileStore, upload: UploadSession) -> dict:
    """The session as clients see it (API and page), with the parts stored so far while it
    is open: what a resumed client skips."""
    stored = list(stored_parts(store, upload).values()) if upload.state == UploadState.OPEN else []
    return {
        "id": upload.token,
        "asset_id": upload.asset_id,
        "name": upload.name,
        "media_type": upload.media_type,
        "size": upload.size,
        "part_size": upload.part_size,
        "part_count": upload.part_count,
        "state": upload.state,
        "parts_through": "object_store" if store.presigns_parts else "api",
        "stored_parts": stored,
        "error": upload.error,
        "sha256": upload.sha256,
        "version_id": upload.version_id,
        "created_at": upload.created_at,
        "expires_at": upload.expires_at,
    }


def part_targets(
    store: FileStore,
    upload: UploadSession,
    numbers: list[int],
    settings: UploadSettings,
    now: datetime,
) -> list[dict]:
    """Where to PUT each of ``numbers``: presigned URLs (None where parts go through the API).

    A part already stored whole is refused (409): resuming means sending only the others.
    """
    _check_open(upload, now, "request_parts")
    _check_numbers(upload, numbers, "parts")
    stored = stored_parts(store, upload)
    again = sorted(set(numbers) & set(stored))
    if again:
        raise Conflict(N_("These parts are stored already."), field="parts", stored=again)
    ttl = min(settings.part_url_ttl, int((upload.expires_at - now).total_seconds()))
    targets = []
    for number in sorted(set(numbers)):
        size = upload.part_bytes(number)
        url = (
            store.part_url(upload.token, upload.store_handle, number, size, ttl)
            if store.presigns_parts
            else None
        )
        expires = int((now + timedelta(seconds=ttl)).timestamp())
        targets.append({"number": number, "size": size, "url": url, "expires": expires})
    return targets


def put_part(
    store: FileStore, upload: UploadSession, number: int, stream: BinaryIO, now: datetime
) -> Part:
    """Store one part sent through the API; it must hold exactly its expected bytes."""
    _check_open(upload, now, "send_part")
    _check_numbers(upload, [number], "number")
    if number in stored_parts(store, upload):
        raise Conflict(N_("This part is stored already."), field="number", stored=[number])
    size = upload.part_bytes(number)
    try:
        return store.put_part(upload.token, upload.store_handle, number, stream, size)
    except PartRefused:
        raise InvalidInput(
            N_("This part does not hold exactly the bytes expected."), field="body", size=[size]
        ) from None


def complete(
    session: Session, store: FileStore, upload: UploadSession, now: datetime
) -> UploadSession:
    """Check every part, check the type by the first bytes, join the parts, and queue the
    fingerprint. A missing or wrong-sized part is a 422 that leaves the session open."""
    _check_open(upload, now, "complete")
    parts = stored_parts(store, upload)
    missing = [n for n in range(1, upload.part_count + 1) if n not in parts]
    if missing:
        raise InvalidInput(
            N_("Some parts are missing or of the wrong size."), field="parts", missing=missing
        )
    target = next_state(upload.state, Action.COMPLETE, Actor.PROVIDER)
    # One conditional update: of two completions racing, one wins and the other gets 409.
    moved = session.execute(
        sa.update(UploadSession)
        .where(UploadSession.id == upload.id, UploadSession.state == upload.state)
        .values(state=target)
    ).rowcount
    if not moved:
        raise Conflict(N_("This upload is no longer open."))
    try:
        store.finish_upload(upload.token, upload.store_handle, [parts[n] for n in sorted(parts)])
    except FileStoreError:
        raise Conflict(N_("The object store could not join the parts; try again.")) from None
    head = store.read_head(upload.token, upload.store_handle)
    try:
        filetypes.inspector(upload.name, "name")(head)
    except InvalidInput as error:
        raise UploadRefused(error.message, field=error.field) from None
    outbox.enqueue(session, FINGERPRINT_TOPIC, {"upload_id": upload.id})
    session.refresh(upload)
    return upload


def refuse(
    session: Session, store: FileStore, upload_id: int, error: DomainError, now: datetime
) -> None:
    """Record a refused completion and drop the upload's object (run in its own unit of work:
    the refused request's own changes are rolled back)."""
    upload = session.get(UploadSession, upload_id)
    upload.state = next_state(upload.state, Action.REFUSE, Actor.SYSTEM)
    store.abort_upload(upload.token, upload.store_handle)
    upload.error = {"message": error.message, "errors": _plain(error.errors)}
    upload.finished_at = now


def _plain(errors: dict) -> dict:
    return {key: list(value) for key, value in errors.items()}


def fingerprint(session: Session, store: FileStore, upload_id: int, now: datetime) -> None:
    """Stream the joined object through SHA-256 into its content key, then register it as a
    new version of the asset (the worker's job; the version's Merkle root includes it)."""
    upload = session.get(UploadSession, upload_id)
    if upload is None or upload.state != UploadState.VERIFYING:
        return
    try:
        stored = store.adopt_upload(
            upload.token, upload.size, filetypes.inspector(upload.name, "name")
        )
    except (InvalidInput, FileStoreError) as error:
        store.abort_upload(upload.token, upload.store_handle)
        upload.state = next_state(upload.state, Action.REFUSE, Actor.SYSTEM)
        message = getattr(error, "message", None) or N_("The file could not be read back.")
        upload.error = {"message": message, "errors": {}}
        upload.finished_at = now
        return
    asset = session.get(Asset, upload.asset_id)
    user = session.get(User, upload.created_by_id)
    version = assets.version_with(
        session, asset, user, [(upload.name, upload.media_type, stored)], now
    )
    upload.sha256 = stored.sha256
    upload.version_id = version.id
    upload.state = next_state(upload.state, Action.REGISTER, Actor.SYSTEM)
    upload.finished_at = now


def abort(store: FileStore, upload: UploadSession, now: datetime) -> UploadSession:
    """Give up an open upload: its parts are dropped at once."""
    upload.state = next_state(upload.state, Action.ABORT, Actor.PROVIDER)
    store.abort_upload(upload.token, upload.store_handle)
    upload.finished_at = now
    return upload


def expire_due(session: Session, store: FileStore, now: datetime) -> list[str]:
    """Expire open sessions past their time and abort their parts; their tokens."""
    due = session.scalars(
        sa.select(UploadSession).where(
            UploadSession.state == UploadState.OPEN, UploadSession.expires_at <= now
        )
    ).all()
    for upload in due:
        upload.state = next_state(upload.state, Action.EXPIRE, Actor.SYSTEM)
        store.abort_upload(upload.token, upload.store_handle)
        upload.finished_at = now
    return [upload.token for upload in due]


def live_tokens(session: Session) -> set[str]:
    """Tokens of sessions whose objects must not be swept (open or being fingerprinted)."""
    return set(
        session.scalars(
            sa.select(UploadSession.token).where(
                UploadSession.state.in_([UploadState.OPEN, UploadState.VERIFYING])
            )
        )
    )
