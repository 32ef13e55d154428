"""Guards for pages: a signed-in user, a staff role, an organisation role."""

from __future__ import annotations

import functools

from flask import redirect, request, url_for

from market.context import current_user
from market.errors import PermissionDenied
from market.identity.models import StaffRole
from market.text import N_


def login_required(view):
    """Send anonymous visitors to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def staff_required(*roles: StaffRole):
    """Only exchange staff holding one of ``roles`` (or the staff admin role)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user().has_staff_role(*roles):
                raise PermissionDenied(N_("This page is for exchange staff."))
            return view(*args, **kwargs)

        return wrapper

    return decorator
