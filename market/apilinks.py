"""OpenAPI links: how the answer of one operation feeds the next (create an asset, then read it,
add a version, claim it; place an order, then read it, pay for it, cancel it).

The links are declared here, in one table, and added to the document by an apispec plugin as
flask-smorest registers each path. Clients read them to chain calls; the stateful API tests
follow them to reach resources that random ids never would.
"""

from __future__ import annotations

from apispec import BasePlugin

PREFIX = "/api/v1"

# (source method, source path, status) -> {link name: (target method, target path, parameters,
# request body)}. Paths are relative to ``/api/v1``; values are OpenAPI runtime expressions.
ID = "$response.body#/id"
FIRST_ID = "$response.body#/0/id"

_ASSET = {"asset_id": ID}
_CLAIM = {"claim_id": ID}
_LISTING = {"listing_id": ID}
_ORDER = {"order_id": ID}
_DEMAND = {"demand_id": ID}
_REPORT = {"report_id": ID}
_UPLOAD = {"token": ID}


def _each(method_paths: list[tuple[str, str]], parameters: dict) -> dict:
    """Links with the same parameters to several operations, named after them."""
    return {_name(method, path): (method, path, parameters, None) for method, path in method_paths}


def _name(method: str, path: str) -> str:
    words = [part.strip("{}") for part in path.strip("/").split("/")]
    return "".join(word.title().replace("-", "").replace("_", "") for word in [method, *words])


_ASSET_NEXT = {
    **_each(
        [
            ("get", "/assets/{asset_id}"),
            ("post", "/assets/{asset_id}/versions"),
            ("post", "/assets/{asset_id}/uploads"),
        ],
        _ASSET,
    ),
    "ClaimAsset": ("post", "/claims", {}, {"asset_id": ID}),
    "ListAsset": ("post", "/provider/listings", {}, {"asset_id": ID}),
    "ValueAsset": ("post", "/valuations", {}, {"asset_id": ID}),
}
_CLAIM_NEXT = _each(
    [
        ("get", "/claims/{claim_id}"),
        ("patch", "/claims/{claim_id}"),
        ("post", "/claims/{claim_id}/evidence"),
        ("post", "/claims/{claim_id}/submit"),
        ("post", "/claims/{claim_id}/resubmit"),
        ("post", "/claims/{claim_id}/withdraw"),
        ("post", "/claims/{claim_id}/objections"),
        ("post", "/review/claims/{claim_id}/decisions"),
    ],
    _CLAIM,
)
_LISTING_NEXT = _each(
    [
        ("get", "/listings/{listing_id}"),
        ("get", "/listings/{listing_id}/offers"),
        ("get", "/listings/{listing_id}/similar"),
        ("put", "/provider/listings/{listing_id}/draft"),
        ("post", "/provider/listings/{listing_id}/revisions"),
        ("post", "/provider/listings/{listing_id}/samples"),
        ("post", "/provider/listings/{listing_id}/submit"),
        ("post", "/provider/listings/{listing_id}/delist"),
        ("post", "/provider/listings/{listing_id}/offers"),
        ("post", "/reviews/listings/{listing_id}"),
    ],
    _LISTING,
)
_ORDER_NEXT = _each(
    [
        ("get", "/orders/{order_id}"),
        ("post", "/orders/{order_id}/cancel"),
        ("get", "/orders/{order_id}/bank-transfer"),
        ("post", "/orders/{order_id}/payments/stripe"),
        ("post", "/orders/{order_id}/deliver"),
        ("post", "/orders/{order_id}/accept"),
        ("post", "/orders/{order_id}/disputes"),
        ("post", "/orders/{order_id}/refunds"),
        ("post", "/orders/{order_id}/dispute-decision"),
    ],
    _ORDER,
)
_DEMAND_NEXT = _each(
    [
        ("get", "/demands/{demand_id}"),
        ("post", "/demands/{demand_id}/offers"),
        ("post", "/demands/{demand_id}/close"),
    ],
    _DEMAND,
)
_VALUATION_NEXT = _each(
    [
        ("get", "/valuations/{report_id}"),
        ("post", "/valuations/{report_id}/cancel"),
        ("get", "/appraisal/valuations/{report_id}"),
        ("post", "/appraisal/valuations/{report_id}/take"),
        ("put", "/appraisal/valuations/{report_id}/inputs"),
        ("get", "/appraisal/valuations/{report_id}/comparables"),
        ("post", "/appraisal/valuations/{report_id}/profile"),
        ("post", "/appraisal/valuations/{report_id}/run"),
        ("post", "/appraisal/valuations/{report_id}/finalise"),
    ],
    _REPORT,
)
_UPLOAD_NEXT = _each(
    [
        ("get", "/uploads/{token}"),
        ("delete", "/uploads/{token}"),
        ("post", "/uploads/{token}/parts"),
        ("put", "/uploads/{token}/parts/{number}"),
        ("post", "/uploads/{token}/complete"),
    ],
    _UPLOAD,
)
_ORGANISATION = {"organisation_id": "$response.body#/organisation_id"}
_ORGANISATION_NEXT = _each(
    [
        ("get", "/organisations/{organisation_id}"),
        ("patch", "/organisations/{organisation_id}"),
        ("get", "/organisations/{organisation_id}/members"),
        ("get", "/organisations/{organisation_id}/invitations"),
        ("post", "/organisations/{organisation_id}/invitations"),
        ("get", "/organisations/{organisation_id}/clients"),
        ("post", "/organisations/{organisation_id}/clients"),
        ("get", "/organisations/{organisation_id}/verification"),
        ("post", "/organisations/{organisation_id}/verification"),
        ("get", "/review/organisations/{organisation_id}"),
        ("post", "/review/organisations/{organisation_id}/decisions"),
    ],
    _ORGANISATION,
)
_CLIENT = {
    "organisation_id": "$request.path.organisation_id",
    "client_id": "$response.body#/client/client_id",
}
_PAYEE_NEXT = _each(
    [
        ("post", "/finance/payee-accounts/{payee_id}/confirm"),
        ("post", "/finance/payee-accounts/{payee_id}/reject"),
    ],
    {"payee_id": ID},
)
_BATCH_NEXT = _each(
    [
        ("get", "/finance/payout-batches/{batch_id}"),
        ("post", "/finance/payout-batches/{batch_id}/submit"),
        ("post", "/finance/payout-batches/{batch_id}/cancel"),
        ("get", "/finance/payout-batches/{batch_id}/bank-file"),
    ],
    {"batch_id": ID},
)
_PERIOD_NEXT = _each(
    [
        ("post", "/ledger/periods/{name}/close-request"),
        ("get", "/ledger/periods/{name}/checklist"),
        ("post", "/ledger/periods/{name}/close"),
    ],
    {"name": "$response.body#/name"},
)
_BUILD_NEXT = _each(
    [
        ("get", "/finance/report-builds/{build_id}"),
        ("get", "/finance/report-builds/{build_id}/file"),
    ],
    {"build_id": ID},
)
_SYNONYMS_NEXT = _each(
    [("put", "/search/synonyms/{group_id}"), ("delete", "/search/synonyms/{group_id}")],
    {"group_id": ID},
)


# The caller's first page of each list it may read: where a client (or a test) starts.
_FIRST_PAGES = {
    _name("get", path): ("get", path, {"page": 1, **extra}, None)
    for path, extra in [
        ("/assets", {}),
        ("/claims", {}),
        ("/provider/listings", {}),
        ("/orders", {"role": "buyer"}),
        ("/demands", {}),
        ("/valuations", {}),
        ("/entitlements", {}),
        ("/listings/search", {"q": ""}),
        ("/review/claims", {}),
        ("/reviews/listings", {}),
        ("/review/organisations", {}),
        ("/appraisal/valuations", {}),
        ("/finance/payee-accounts", {}),
        ("/finance/payout-batches", {}),
        ("/finance/recon/exceptions", {}),
        ("/finance/report-builds", {}),
    ]
}


def _first(links: dict) -> dict:
    """The same links, fed by the first item of a list instead of a single object."""
    return {
        name: (
            method,
            path,
            {key: FIRST_ID for key in parameters},
            body and dict.fromkeys(body, FIRST_ID),
        )
        for name, (method, path, parameters, body) in links.items()
    }


LINKS: dict[tuple[str, str, str], dict] = {
    ("get", "/me", "200"): {**_ORGANISATION_NEXT, **_FIRST_PAGES},
    ("post", "/assets", "201"): _ASSET_NEXT,
    ("get", "/assets", "200"): _first(_ASSET_NEXT),
    ("get", "/assets/{asset_id}", "200"): {
        name: link for name, link in _ASSET_NEXT.items() if name != "GetAssetsAssetId"
    },
    ("post", "/assets/{asset_id}/versions", "201"): {
        "ClaimVersion": (
            "post",
            "/claims",
            {},
            {"asset_id": "$request.path.asset_id", "version": "$response.body#/number"},
        ),
    },
    ("post", "/assets/{asset_id}/uploads", "201"): _UPLOAD_NEXT,
    ("post", "/uploads/{token}/parts", "200"): {
        "PutUploadsTokenPartsNumber": (
            "put",
            "/uploads/{token}/parts/{number}",
            {"token": "$request.path.token", "number": "$response.body#/0/number"},
            None,
        ),
    },
    ("post", "/claims", "201"): _CLAIM_NEXT,
    ("get", "/claims", "200"): _first(_CLAIM_NEXT),
    ("get", "/review/claims", "200"): _first(_CLAIM_NEXT),
    ("post", "/provider/listings", "201"): _LISTING_NEXT,
    ("get", "/provider/listings", "200"): _first(_LISTING_NEXT),
    ("get", "/reviews/listings", "200"): _first(_LISTING_NEXT),
    ("get", "/listings/search", "200"): {
        "GetListingsListingId": (
            "get",
            "/listings/{listing_id}",
            {"listing_id": "$response.body#/hits/0/id"},
            None,
        ),
    },
    ("get", "/listings/{listing_id}", "200"): {
        "OrderPlan": ("post", "/orders", {}, {"plan_id": "$response.body#/live/plans/0/id"}),
    },
    ("post", "/orders", "201"): _ORDER_NEXT,
    ("get", "/orders", "200"): _first(_ORDER_NEXT),
    ("post", "/orders/{order_id}/payments/stripe", "201"): {
        "PostOrdersOrderIdPaymentsStripeRefresh": (
            "post",
            "/orders/{order_id}/payments/stripe/refresh",
            {"order_id": "$request.path.order_id"},
            None,
        ),
    },
    ("post", "/demands", "201"): _DEMAND_NEXT,
    ("get", "/demands", "200"): _first(_DEMAND_NEXT),
    ("post", "/valuations", "201"): _VALUATION_NEXT,
    ("get", "/valuations", "200"): _first(_VALUATION_NEXT),
    ("get", "/appraisal/valuations", "200"): _first(_VALUATION_NEXT),
    ("post", "/organisations/{organisation_id}/clients", "201"): {
        "PostRotateClient": (
            "post",
            "/organisations/{organisation_id}/clients/{client_id}/rotate",
            _CLIENT,
            None,
        ),
        "PostRevokeClient": (
            "post",
            "/organisations/{organisation_id}/clients/{client_id}/revoke",
            _CLIENT,
            None,
        ),
    },
    ("post", "/organisations/{organisation_id}/invitations", "201"): {
        "DeleteInvitation": (
            "delete",
            "/organisations/{organisation_id}/invitations/{invitation_id}",
            {"organisation_id": "$request.path.organisation_id", "invitation_id": ID},
            None,
        ),
    },
    ("get", "/review/organisations", "200"): {
        name: (method, path, {"organisation_id": "$response.body#/0/organisation_id"}, body)
        for name, (method, path, _parameters, body) in _ORGANISATION_NEXT.items()
        if "/review/" in path or "verification" in path
    },
    ("post", "/finance/payee-accounts", "201"): _PAYEE_NEXT,
    ("get", "/finance/payee-accounts", "200"): _first(_PAYEE_NEXT),
    ("post", "/finance/payout-batches", "201"): _BATCH_NEXT,
    ("get", "/finance/payout-batches", "200"): _first(_BATCH_NEXT),
    ("post", "/ledger/periods", "201"): _PERIOD_NEXT,
    ("post", "/finance/reports/{name}/builds", "202"): _BUILD_NEXT,
    ("get", "/finance/report-builds", "200"): _first(_BUILD_NEXT),
    ("post", "/finance/bank-accounts", "201"): {
        "PostStatement": (
            "post",
            "/finance/bank-accounts/{account_id}/statements",
            {"account_id": ID},
            None,
        ),
    },
    ("post", "/finance/recon/corrections", "201"): {
        "ApproveCorrection": (
            "post",
            "/finance/recon/corrections/{correction_id}/approve",
            {"correction_id": ID},
            None,
        ),
        "RejectCorrection": (
            "post",
            "/finance/recon/corrections/{correction_id}/reject",
            {"correction_id": ID},
            None,
        ),
    },
    ("get", "/finance/recon/exceptions", "200"): _each(
        [
            ("post", "/finance/recon/exceptions/{exception_id}/match"),
            ("post", "/finance/recon/exceptions/{exception_id}/mark"),
        ],
        {"exception_id": FIRST_ID},
    ),
    ("post", "/search/synonyms", "201"): _SYNONYMS_NEXT,
}


def _pointer(method: str, path: str) -> str:
    """The JSON pointer to an operation of this document (``operationRef``)."""
    escaped = (PREFIX + path).replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}"


def link_objects(links: dict) -> dict:
    """OpenAPI Link Objects for one response."""
    objects = {}
    for name, (method, path, parameters, body) in links.items():
        link = {"operationRef": _pointer(method, path)}
        if parameters:
            link["parameters"] = dict(parameters)
        if body:
            link["requestBody"] = dict(body)
        objects[name] = link
    return objects


class LinksPlugin(BasePlugin):
    """Adds the links of :data:`LINKS` to the responses of the operations they start from."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        """apispec's hook, called once per path with its operations."""
        if not path or not path.startswith(PREFIX) or not operations:
            return
        relative = path[len(PREFIX) :]
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                links = LINKS.get((method, relative, str(status)))
                if links and isinstance(response, dict):
                    response["links"] = link_objects(links)
