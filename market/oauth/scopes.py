"""API scopes, per area, and the staff role a scope needs (if any)."""

from __future__ import annotations

from market.identity.models import StaffRole
from market.text import N_

# scope -> (description, staff role needed or None)
SCOPES: dict[str, tuple[str, StaffRole | None]] = {
    "org:read": (N_("Read your organisation, members and invitations"), None),
    "org:write": (N_("Invite members to your organisation"), None),
    "catalog:read": (N_("Search and read listings and the organisation directory"), None),
    "catalog:write": (N_("Manage your listings"), None),
    "registry:read": (N_("Read your assets, claims and certificates"), None),
    "registry:write": (N_("Register assets, upload files and file rights claims"), None),
    "orders:read": (N_("Read your orders"), None),
    "orders:write": (N_("Place, pay, accept and dispute orders"), None),
    "deliveries:read": (N_("Download purchased data and call delivered APIs"), None),
    "review:write": (
        N_(
            "Decide claims, objections, organisation verification and compliance reviews; "
            "curate search synonyms and the listings featured on the home page"
        ),
        StaffRole.REVIEWER,
    ),
    "appraisal:write": (N_("Produce valuation reports"), StaffRole.APPRAISER),
    "finance:read": (N_("Read the ledger and finance reports"), StaffRole.FINANCE),
    "finance:write": (N_("Confirm receipts, run payouts and close periods"), StaffRole.FINANCE),
}


def staff_role_for(scope: str) -> StaffRole | None:
    """The staff role a scope requires, or None for organisation scopes."""
    return SCOPES[scope][1]
