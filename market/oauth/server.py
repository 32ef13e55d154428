"""The OAuth 2 authorization server (client credentials) and bearer-token protection."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants, scope_to_list
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import current_app, g, request
from flask_babel import gettext
from flask_smorest.utils import deepupdate

from market.context import ANONYMOUS, Principal, db_session, end_reads
from market.db import utcnow
from market.errors import AuthenticationFailed, PermissionDenied
from market.identity.models import Organisation, StaffRole, User
from market.identity.services import token_digest
from market.oauth.models import OAuthClient, OAuthToken
from market.oauth.scopes import SCOPES, staff_role_for
from market.text import N_


def _query_client(client_id: str) -> OAuthClient | None:
    client = db_session().scalar(sa.select(OAuthClient).where(OAuthClient.client_id == client_id))
    return client if client is not None and client.revoked_at is None else None


def _save_token(token: dict, request) -> None:
    issued = utcnow()
    db_session().add(
        OAuthToken(
            client_pk=request.client.id,
            token_hash=token_digest(token["access_token"]),
            scope=token.get("scope") or "",
            issued_at=issued,
            expires_at=issued + timedelta(seconds=token["expires_in"]),
        )
    )


class _ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self):
        """Authlib's check that the exchange knows every scope asked for (``invalid_scope``
        otherwise), then that the client holds at least one of them: the token is narrowed to
        those (RFC 6749 §3.3, the answer's ``scope`` says which), but a token with no scope at
        all is ``invalid_scope`` (§5.2), not issued."""
        super().validate_requested_scope()
        scope = self.request.payload.scope
        if scope and not set(scope_to_list(scope)) & self.request.client.scopes:
            raise InvalidScopeError("This client holds none of the scopes asked for.")


#: Token request parameters, each given at most once (RFC 6749 §3.2: "Request and response
#: parameters MUST NOT be included more than once").
TOKEN_PARAMETERS = ("grant_type", "scope", "client_id", "client_secret")


def _check_basic_credentials(authorization: str) -> None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "basic":
        return
    if not credentials.strip():
        raise InvalidRequestError("The Authorization header's Basic credentials are empty.")
    try:
        base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        raise InvalidRequestError(
            "The Authorization header's Basic credentials are not base64 of UTF-8 text."
        ) from None


#: The one body a token request may have (RFC 6749 §4.4.2, Appendix B).
FORM = "application/x-www-form-urlencoded"


def _check_form_body() -> None:
    """A body of any other type (JSON, the usual mistake) is ``invalid_request`` saying what to
    send; Authlib would read no field from it and answer ``unsupported_grant_type``."""
    if request.mimetype != FORM and (request.content_length or request.get_data(cache=True)):
        raise InvalidRequestError(
            gettext(
                "Send the token request as %(form)s, not %(type)s: grant_type=client_credentials, "
                "and scope, client_id and client_secret if you use them.",
                form=FORM,
                type=request.mimetype or gettext("a body without a type"),
            )
        )


class _Server(AuthorizationServer):
    def create_token_response(self, request=None):
        """Authlib's token response, after refusing what RFC 6749 forbids of any token request:
        a parameter given twice, and a client authenticating in two ways at once (§2.3: HTTP
        Basic and ``client_secret`` in the body), both ``invalid_request``. Authlib checks the
        first only at the authorization endpoint
        (``validate_no_multiple_request_parameter``); the same check, here. HTTP Basic
        credentials that are empty or not base64 of UTF-8 text are ``invalid_request`` too
        (Authlib would fail reading them), and so is a body that is not a form."""
        oauth_request = self.create_oauth2_request(request)
        datalist = oauth_request.payload.datalist
        try:
            _check_form_body()
            for parameter in TOKEN_PARAMETERS:
                if len(datalist.get(parameter, [])) > 1:
                    raise InvalidRequestError(f"Multiple '{parameter}' in request.")
            _check_basic_credentials(oauth_request.headers.get("Authorization") or "")
            if "client_secret" in datalist and oauth_request.headers.get("Authorization"):
                raise InvalidRequestError(
                    "The client authenticated in more than one way: use HTTP Basic or "
                    "client_secret in the body, not both."
                )
        except OAuth2Error as error:
            return self.handle_error_response(oauth_request, error)
        return super().create_token_response(request)


def make_authorization_server(app) -> AuthorizationServer:
    """The token endpoint's server, configured from the app."""
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": app.config["TOKEN_LIFETIME"]}
    )
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", sorted(SCOPES))
    server = _Server(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(_ClientCredentials)
    return server


@dataclass(frozen=True)
class BearerToken:
    """What a request needs of its stored bearer token and of the client, organisation and
    creator behind it, as plain values (Authlib's token protocol: :meth:`get_scope`,
    :meth:`is_expired`, :meth:`is_revoked`)."""

    scope: str
    expires_at: datetime
    #: the token or its client is revoked
    revoked: bool
    client_id: str
    organisation_id: int
    is_operator: bool
    creator_id: int
    creator_active: bool

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked


def bearer_token(token_string: str) -> BearerToken | None:
    """The stored token for a bearer token string (any state: expired and revoked ones too),
    with what the request needs of its client, the client's organisation and its creator, or
    ``None``.

    Every API request reads them, and the rate limiter (which runs first, to know whose
    request it is) needs the client: one query for both, remembered for the request. It
    reads columns, not mapped objects: loading the token, client, organisation and user
    through the ORM took 1.3–2 times as long as the query of their columns, and the columns
    are read on the session's connection, without the ORM's handling of a statement."""
    digest = token_digest(token_string)
    remembered = g.get("bearer_token")
    if remembered is not None and remembered[0] == digest:
        return remembered[1]
    connection = db_session().connection()
    row = connection.execute(_bearer_token_query(), {"digest": digest}).one_or_none()
    token = None if row is None else BearerToken(*row)
    g.bearer_token = (digest, token)
    return token


@functools.cache
def _bearer_token_query() -> sa.Select:
    # Built once (on first use: the mappers must all be declared): constructing the
    # statement and its cache key took about as long as running the query.
    return (
        sa.select(
            OAuthToken.scope,
            OAuthToken.expires_at,
            (OAuthToken.revoked_at.is_not(None) | OAuthClient.revoked_at.is_not(None)),
            OAuthClient.client_id,
            OAuthClient.organisation_id,
            Organisation.is_operator,
            OAuthClient.created_by_id,
            User.is_active,
        )
        .join(OAuthClient, OAuthToken.client_pk == OAuthClient.id)
        .join(Organisation, OAuthClient.organisation_id == Organisation.id)
        .join(User, OAuthClient.created_by_id == User.id)
        .where(OAuthToken.token_hash == sa.bindparam("digest"))
    )


class _TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return bearer_token(token_string)


class _Protector(ResourceProtector):
    def raise_error_response(self, error: OAuth2Error):
        raise error


protector = _Protector()
protector.register_token_validator(_TokenValidator())


def _effective_scopes(token: BearerToken) -> frozenset[str]:
    # A staff scope lapses as soon as the client's creator loses the role behind it.
    creator = None
    kept = set()
    for scope in token.scope.split():
        role: StaffRole | None = staff_role_for(scope) if scope in SCOPES else None
        if role is not None and token.is_operator and creator is None:
            creator = db_session().get(User, token.creator_id)
        if role is None or (token.is_operator and creator.has_staff_role(role)):
            kept.add(scope)
    return frozenset(kept)


#: What a refused bearer token is told, by Authlib's error code.
TOKEN_ERRORS = {
    "missing_authorization": N_("A valid bearer token is required."),
    "invalid_token": N_("The access token is expired, revoked, malformed or otherwise invalid."),
}


def lacks_scope(scope: str) -> str:
    """The refusal of a token without ``scope``, in the reader's language."""
    return gettext("This token lacks the %(scope)s scope.", scope=scope)


def authenticate(scope: str | None) -> Principal:
    """Validate the request's bearer token for ``scope``; the principal it stands for."""
    try:
        token: BearerToken = protector.acquire_token([scope] if scope else None)
    except OAuth2Error as error:
        if error.error == "insufficient_scope":
            raise PermissionDenied(lacks_scope(scope), scope=scope) from None
        if error.error == "unsupported_token_type":
            # Authlib's own code for a scheme other than Bearer (Basic, a bare token) tells a
            # client nothing it can act on: say what the header must hold.
            raise AuthenticationFailed(
                N_('Send the access token as "Authorization: Bearer <token>".'),
                field="Authorization",
            ) from None
        # Authlib's descriptions are English only: say it in the reader's language.
        raise AuthenticationFailed(
            gettext(TOKEN_ERRORS.get(error.error, TOKEN_ERRORS["invalid_token"])),
            reason=error.error,
        ) from None
    if not token.creator_active:
        # A client acts on its creator's authority, which ends with the creator's account.
        raise AuthenticationFailed(N_("The account behind this client is deactivated."))
    scopes = _effective_scopes(token)
    if scope and scope not in scopes:
        raise PermissionDenied(
            gettext("This token's %(scope)s scope needs a staff role.", scope=scope), scope=scope
        )
    return Principal(
        organisation_id=token.organisation_id,
        client_id=token.client_id,
        user_id=token.creator_id,
        scopes=scopes,
        is_operator=token.is_operator,
    )


def requires(scope: str | None, public: bool = False):
    """Declare the scope an endpoint needs; authenticates the caller into ``g.principal``.

    Organisation scoping happens in the view and its service: every query is bounded by the
    principal's organisation unless the data is public. Staff scopes imply their staff role.
    With ``public``, a request without an ``Authorization`` header is served as
    :data:`ANONYMOUS` (the public catalogue); a token, if sent, must still be valid.
    """
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("principal") is None:
                _authenticate_into_g(scope, public)
            return view(*args, **kwargs)

        wrapper._requires = (scope, public)

        security = [{"oauth2": [scope] if scope else []}]
        if public:
            security.insert(0, {})
        wrapper._apidoc = deepupdate(
            getattr(view, "_apidoc", {}), {"manual_doc": {"security": security}}
        )
        return wrapper

    return decorator


def _authenticate_into_g(scope: str | None, public: bool) -> None:
    if public and "Authorization" not in request.headers:
        g.principal = ANONYMOUS
    else:
        g.principal = authenticate(scope)


def authenticate_first() -> None:
    """``before_request``: authenticate a request to an operation declared with
    :func:`requires` before anything else judges it, so a caller without a valid token gets
    the 401 (and one without the scope the 403) whatever its query and body hold, never a 422
    that tells an anonymous caller which fields the operation accepts. The token check's
    transaction ends before a body is read: a client trickling its body in holds no lock. A
    request without a body (a search, any GET) goes on in the same transaction: ending it
    and beginning the next cost a commit, a BEGIN and a connection's return to the pool on
    every request, to guard a wait that cannot come."""
    view = current_app.view_functions.get(request.endpoint)
    declared = getattr(view, "_requires", None)
    if declared is not None:
        _authenticate_into_g(*declared)
        if _has_body():
            end_reads()


def _has_body() -> bool:
    """Whether a body may follow the request's headers: a length over zero, or one sent in
    chunks (no length)."""
    return bool(request.content_length) or "Transfer-Encoding" in request.headers
