"""The S3-compatible file store (boto3), and the choice between it and the local directory.

Blobs live under ``<prefix>sha256/ab/cd/<sha256>`` as in the local store. A resumable upload is
an S3 multipart upload under ``<prefix>uploads/<token>``: clients PUT its parts straight to the
object store through presigned URLs; once joined, the object is read back once (streamed, never
held in memory) to compute its SHA-256, and stays under that key (or gives way to a stored
copy of the same content). Small files (``save``) are spooled to a temporary file while they
are hashed and sent with their SHA-256, which the object store checks on arrival.
"""

from __future__ import annotations

import base64
import io
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from market.files import (
    HEAD_BYTES,
    FileStore,
    FileStoreError,
    Inspector,
    LocalFileStore,
    Part,
    PartRefused,
    StoredFile,
    content_key,
    copy_hashing,
)

READ_CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024


class S3FileStore(FileStore):
    """Blobs in a bucket of an S3-compatible object store."""

    presigns_parts = True

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        endpoint = urllib.parse.urlsplit(client.meta.endpoint_url)
        self.browser_origin = f"{endpoint.scheme}://{endpoint.netloc}"

    @classmethod
    def from_url(
        cls,
        url: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> S3FileStore:
        """A store for ``s3://bucket/prefix``; credentials default to boto3's usual chain."""
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                # Checksums only where the API needs them; the SHA-256 is sent explicitly.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 5, "mode": "standard"},
                max_pool_connections=16,
            ),
        )
        return cls(client, parsed.netloc, parsed.path)

    # --- names ------------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise KeyError(key)
        return self.prefix + key

    def _upload_key(self, token: str) -> str:
        if not token.isalnum():
            raise KeyError(token)
        return f"{self.prefix}uploads/{token}"

    def _missing(self, error) -> bool:
        code = error.response.get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NoSuchUpload", "NotFound")

    # --- blobs ------------------------------------------------------------------------------

    def save(
        self, stream: BinaryIO, max_bytes: int, inspect: Inspector | None = None
    ) -> StoredFile:
        """Hash while spooling to a temporary file, then PUT it with its checksum."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            sha256, size = copy_hashing(stream, spool.write, max_bytes, inspect)
            key = content_key(sha256)
            if not self.exists(key):
                spool.seek(0)
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    Body=spool,
                    ContentLength=size,
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
                )
        return StoredFile(key=key, sha256=sha256, size=size)

    def open(self, key: str) -> BinaryIO:
        """A stream of the blob's bytes (read as it arrives)."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as error:
            if self._missing(error):
                raise FileNotFoundError(key) from None
            raise
        return io.BufferedReader(_Body(body), buffer_size=READ_CHUNK)

    def exists(self, key: str) -> bool:
        """Whether the object is there (a HEAD request)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def stored_before(self, moment: datetime) -> Iterator[str]:
        """Blobs and joined-but-not-adopted uploads last written before ``moment``."""
        paginator = self.client.get_paginator("list_objects_v2")
        for folder in ("sha256/", "uploads/"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + folder):
                for item in page.get("Contents", []):
                    if item["LastModified"] < moment:
                        yield item["Key"][len(self.prefix) :]

    def delete(self, key: str) -> None:
        """Delete the object (S3 deletes are idempotent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def download_url(self, key: str, name: str, media_type: str, expires_in: int) -> str | None:
        """A presigned GET that names the file for the browser; range requests work on it."""
        disposition = "attachment; filename*=UTF-8''" + urllib.parse.quote(name, safe="")
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": disposition,
                "ResponseContentType": media_type,
            },
            ExpiresIn=expires_in,
        )

    # --- resumable uploads ------------------------------------------------------------------

    def begin_upload(self, token: str) -> str:
        """Create the multipart upload; its upload id is the handle."""
        answer = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=self._upload_key(token), ContentType="application/octet-stream"
        )
        return answer["UploadId"]

    def part_url(self, token: str, upload: str, number: int, size: int, expires_in: int) -> str:
        """A presigned UploadPart URL; its size is checked when the upload completes."""
        return self.client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": self._upload_key(token),
                "UploadId": upload,
                "PartNumber": number,
            },
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )

    def put_part(self, token: str, upload: str, number: int, stream: BinaryIO, size: int) -> Part:
        """Spool exactly ``size`` bytes, then send them as one part."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            written = 0
            while chunk := stream.read(min(READ_CHUNK, size + 1 - written)):
                written += len(chunk)
                if written > size:
                    raise PartRefused(f"part {number} is longer than {size} bytes")
                spool.write(chunk)
            if written != size:
                raise PartRefused(f"part {number} has {written} of {size} bytes")
            spool.seek(0)
            answer = self.client.upload_part(
                Bucket=self.bucket,
                Key=self._upload_key(token),
                UploadId=upload,
                PartNumber=number,
                Body=spool,
                ContentLength=size,
            )
        return Part(number=number, size=size, etag=answer["ETag"])

    def list_parts(self, token: str, upload: str) -> list[Part]:
        """ListParts, every page; an aborted or completed upload has none."""
        parts: list[Part] = []
        paginator = self.client.get_paginator("list_parts")
        try:
            pages = paginator.paginate(
                Bucket=self.bucket, Key=self._upload_key(token), UploadId=upload
            )
            for page in pages:
                for item in page.get("Parts", []):
                    parts.append(Part(item["PartNumber"], item["Size"], item["ETag"]))
        except ClientError as error:
            if self._missing(error):
                return []
            raise
        return sorted(parts, key=lambda part: part.number)

    def finish_upload(self, token: str, upload: str, parts: list[Part]) -> None:
        """CompleteMultipartUpload with the parts' ETags, in order."""
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self._upload_key(token),
                UploadId=upload,
                MultipartUpload={
                    "Parts": [{"PartNumber": part.number, "ETag": part.etag} for part in parts]
                },
            )
        except ClientError as error:
            raise FileStoreError(f"the object store refused to join the parts: {error}") from None

    def read_head(self, token: str, upload: str) -> bytes:
        """The joined object's first bytes (a range GET)."""
        answer = self.client.get_object(
            Bucket=self.bucket, Key=self._upload_key(token), Range=f"bytes=0-{HEAD_BYTES - 1}"
        )
        with answer["Body"] as body:
            return body.read()

    def adopt_upload(self, token: str, max_bytes: int, inspect: Inspector | None) -> StoredFile:
        """Stream the joined object through SHA-256; it stays where it is, under
        ``uploads/<token>``, unless the same content is stored already (then that is kept).

        Copying it to its content key would rewrite every byte (S3 has no rename; SeaweedFS
        copies at a quarter of its read speed), so large files keep their upload's key.
        """
        source = self._upload_key(token)
        with self.client.get_object(Bucket=self.bucket, Key=source)["Body"] as body:
            sha256, size = copy_hashing(body, None, max_bytes, inspect, chunk_size=READ_CHUNK)
        key = content_key(sha256)
        if self.exists(key):
            self.client.delete_object(Bucket=self.bucket, Key=source)
            return StoredFile(key=key, sha256=sha256, size=size)
        return StoredFile(key=f"uploads/{token}", sha256=sha256, size=size)

    def abort_upload(self, token: str, upload: str) -> None:
        """Abort the multipart upload and delete a joined object, whichever exists."""
        key = self._upload_key(token)
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)
        except ClientError as error:
            if not self._missing(error):
                raise
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def stale_uploads(self, moment: datetime) -> Iterator[tuple[str, str]]:
        """Multipart uploads under ``uploads/`` initiated before ``moment``."""
        paginator = self.client.get_paginator("list_multipart_uploads")
        prefix = self.prefix + "uploads/"
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Uploads", []):
                if item["Initiated"] < moment:
                    yield item["Key"][len(prefix) :], item["UploadId"]


class _Body(io.RawIOBase):
    """An object's HTTP body as a raw stream (so it can be buffered, wrapped as text, closed)."""

    def __init__(self, body) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def make_store(config: Mapping[str, object]) -> FileStore:
    """The file store the configuration names: ``FILES_URL`` (s3://...) or ``FILES_PATH``."""
    url = config.get("FILES_URL")
    if not url:
        return LocalFileStore(str(config["FILES_PATH"]))
    return S3FileStore.from_url(
        str(url),
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        region=config.get("S3_REGION"),
        access_key_id=config.get("S3_ACCESS_KEY_ID"),
        secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
    )
