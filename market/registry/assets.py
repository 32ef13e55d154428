"""Assets, their files and versions: metadata rules, streamed uploads, fingerprints.

A version is immutable. Uploading files makes a new version holding the previous version's
files plus the new ones (a new file with an existing name replaces it); old versions stay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import BinaryIO

from sqlalchemy.orm import Session

from market.errors import InvalidInput
from market.files import EmptyFile, FileStore, FileTooLarge, StoredFile
from market.identity.models import Organisation, User
from market.registry import filetypes
from market.registry.models import Asset, AssetFile, AssetVersion, PersonalInfo
from market.text import N_


class UploadTooLarge(InvalidInput):
    """An uploaded file exceeds the size limit."""

    status = 413


@dataclass(frozen=True)
class Upload:
    """A file arriving from a client: its name and a stream of its bytes, or, once
    :func:`store_first` has put it in the store, ``(name, media type, stored)``."""

    name: str
    stream: BinaryIO | None
    stored: tuple[str, str, StoredFile] | None = None


def merkle_root(hashes: Iterable[str]) -> str:
    """The Merkle root (hex) of SHA-256 hashes: sorted leaves, pairwise SHA-256 of the
    concatenated 32-byte digests, the last one paired with itself on odd levels.

    One leaf is its own root; no leaves give the SHA-256 of nothing.
    """
    level = [bytes.fromhex(value) for value in sorted(hashes)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0].hex()


def check_metadata(data: dict) -> None:
    """Rules across fields of an asset's metadata."""
    start, end = data.get("temporal_start"), data.get("temporal_end")
    if start and end and end < start:
        raise InvalidInput(N_("The coverage ends before it starts."), field="temporal_end")
    if data.get("personal_info", PersonalInfo.NONE) != PersonalInfo.NONE and not data.get(
        "legal_basis"
    ):
        raise InvalidInput(
            N_("Personal information needs a legal basis for processing."), field="legal_basis"
        )


def create_asset(session: Session, organisation_id: int, user: User, data: dict) -> Asset:
    """Register an asset of an organisation (the caller has checked the membership).

    Important data (重要数据) is a category of mainland China's data security rules: only an
    organisation registered on the mainland declares it, and one registered elsewhere that
    says its data is important data is refused, naming the field and why."""
    check_metadata(data)
    if data.get("important_data") and not session.get(Organisation, organisation_id).is_mainland:
        raise InvalidInput(
            N_(
                "Important data is a category of mainland China's data security rules: the "
                "organisation is registered outside mainland China, so it declares none."
            ),
            field="important_data",
        )
    asset = Asset(organisation_id=organisation_id, created_by_id=user.id, **data)
    session.add(asset)
    session.flush()
    return asset


def clean_name(name: str | None, field: str, folders: bool = True) -> str:
    """A file's base name, without the directory a browser may send with a chosen file
    (``folders``); a name climbing out of its folder (``..``), or holding any folder at all
    when ``folders`` is false (a name the caller typed), is refused, never quietly shortened."""
    path = (name or "").replace("\\", "/")
    if ".." in path.split("/"):
        raise InvalidInput(N_("A file name may not climb out of its folder (..)."), field=field)
    if not folders and "/" in path:
        raise InvalidInput(N_("A file name may not hold a folder (/ or \\)."), field=field)
    base = PurePosixPath(path).name.strip()
    if not base or base.startswith(".") or len(base) > 255:
        raise InvalidInput(N_("The file needs a name with an extension."), field=field)
    return base


def store_upload(
    store: FileStore, upload: Upload, max_bytes: int, field: str
) -> tuple[str, str, StoredFile]:
    """Check the type, stream the file into the store: ``(name, media type, stored)``.

    An upload :func:`store_first` stored already is not stored again."""
    if upload.stored is not None:
        return upload.stored
    name = clean_name(upload.name, field)
    media_type = filetypes.media_type(name, field)
    try:
        stored = store.save(upload.stream, max_bytes, filetypes.inspector(name, field))
    except FileTooLarge:
        raise UploadTooLarge(
            N_("The file is larger than the upload limit."), field=field, facts={"limit": max_bytes}
        ) from None
    except EmptyFile:
        raise InvalidInput(N_("The file is empty."), field=field) from None
    return name, media_type, stored


def store_first(
    store: FileStore, uploads: list[Upload], max_bytes: int, field: str
) -> list[Upload]:
    """The uploads, each stored (checked and streamed into the store) before any row is
    written: a view calls this outside its transaction, since storing a large file takes as
    long as the upload and must hold no database lock (SQLite has one write lock)."""
    return [
        Upload(upload.name, None, store_upload(store, upload, max_bytes, field))
        for upload in uploads
    ]


def add_version(
    session: Session,
    store: FileStore,
    asset: Asset,
    user: User,
    uploads: list[Upload],
    max_bytes: int,
    now: datetime,
    field: str = "file",
) -> AssetVersion:
    """Store the uploaded files and make a new version of the asset with them."""
    if not uploads:
        raise InvalidInput(N_("Choose at least one file."), field=field)
    names = [clean_name(upload.name, field) for upload in uploads]
    if len(set(names)) != len(names):
        raise InvalidInput(N_("Two files have the same name."), field=field)
    stored_files = [store_upload(store, upload, max_bytes, field) for upload in uploads]
    return version_with(session, asset, user, stored_files, now)


def version_with(
    session: Session,
    asset: Asset,
    user: User,
    stored_files: list[tuple[str, str, StoredFile]],
    now: datetime,
) -> AssetVersion:
    """A new version of the asset: the previous version's files plus ``(name, media type,
    stored)`` files already in the store (a new file with an existing name replaces it)."""
    files: dict[str, AssetFile] = {}
    previous = asset.latest_version
    for old in previous.files if previous else []:
        files[old.name] = AssetFile(
            name=old.name,
            media_type=old.media_type,
            size=old.size,
            sha256=old.sha256,
            storage_key=old.storage_key,
            created_at=old.created_at,
        )
    for name, media_type, stored in stored_files:
        files[name] = AssetFile(
            name=name,
            media_type=media_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.key,
            created_at=now,
        )
    version = AssetVersion(
        asset=asset,
        number=(previous.number + 1) if previous else 1,
        fingerprint=merkle_root(file.sha256 for file in files.values()),
        total_bytes=sum(file.size for file in files.values()),
        created_by_id=user.id,
        created_at=now,
        files=sorted(files.values(), key=lambda file: file.name),
    )
    session.add(version)
    session.flush()
    return version
