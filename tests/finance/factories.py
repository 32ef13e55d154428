"""Finance factories: confirmed payee accounts (entered by one finance user, confirmed by
another, as the service requires)."""

from __future__ import annotations

from market.db import utcnow
from market.finance import payees
from market.identity.models import StaffRole
from tests import factories


def payee_account(session, organisation, entered_by=None, confirmed_by=None, **data):
    """A confirmed payee account of ``organisation`` (mainland bank by default)."""
    entered_by = entered_by or factories.user(session, staff=(StaffRole.FINANCE,))
    confirmed_by = confirmed_by or factories.user(session, staff=(StaffRole.FINANCE,))
    fields = {
        "account_name": organisation.name_zh,
        "bank_name": "招商银行",
        "branch_name": "深圳分行营业部",
        "account_number": f"755900{organisation.id:010d}",
        "cnaps_code": "308584000013",
    }
    fields.update(data)
    payee = payees.request_change(session, organisation.id, entered_by, fields, utcnow())
    payees.confirm(session, payee.id, confirmed_by, utcnow())
    session.flush()
    return payee
