"""What the upload page and the upload API share on the request's side of the services."""

from __future__ import annotations

from flask import current_app

from market.context import db_session
from market.db import utcnow
from market.files import FileStore
from market.uploads import services
from market.uploads.models import UploadSession


def complete(store: FileStore, upload: UploadSession) -> None:
    """Join the upload's parts in the request's unit of work (:func:`services.complete`).

    A refused completion drops the upload's object, so the refusal is recorded in a unit of
    work of its own that outlives the request's rolled-back one (rolled back first, so its
    row lock goes and the second session does not wait on it); then it is raised on."""
    session = db_session()
    try:
        services.complete(session, store, upload, utcnow())
    except services.UploadRefused as error:
        upload_id = upload.id
        session.rollback()
        with current_app.extensions["db"].unit_of_work() as own:
            services.refuse(own, store, upload_id, error, utcnow())
        raise
