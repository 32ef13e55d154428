"""What the registry's pages share: the blueprint, labels, form errors and settings."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_babel import gettext as _

from market.context import db_session
from market.errors import DomainError
from market.registry import models, states
from market.registry.models import ClaimState
from market.registry.states import Action

blp = Blueprint("registry", __name__)

LABELS = {
    "kind": models.ASSET_KIND_LABELS,
    "industry": models.INDUSTRY_LABELS,
    "personal_info": models.PERSONAL_INFO_LABELS,
    "right": models.RIGHT_LABELS,
    "source": models.SOURCE_LABELS,
    "state": models.CLAIM_STATE_LABELS,
    "certificate": models.CERTIFICATE_STATUS_LABELS,
    "action": states.ACTION_LABELS,
}


def purchases_of(claim) -> list:
    """The claimant's own purchases of content in the claimed version (a buyer holds a licence,
    not the data's rights), shown to the reviewer and to the claimant."""
    lookup = current_app.extensions.get("claim_purchases")
    if lookup is None:
        return []
    return lookup(db_session(), claim.organisation_id, {f.sha256 for f in claim.version.files})


@blp.context_processor
def registry_globals():
    """Enum labels and choices for the registry's templates."""
    return {"labels": LABELS, "models": models, "Action": Action, "ClaimState": ClaimState}


def form_errors(error: DomainError) -> dict:
    """A domain error as form errors: under its field, or under ``form``."""
    return {error.field or "form": [_(error.message)]}


def setting(name: str):
    """A setting of the running app."""
    return current_app.config[name]
