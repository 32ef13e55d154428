"""The OAuth 2 token endpoint (client credentials)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext

from market.errors import InvalidInput, error_body
from market.oauth.server import make_authorization_server

blp = Blueprint("oauth", __name__, url_prefix="/oauth")


@blp.route("/token", methods=["POST"])
def token():
    """Issue an access token for a client's credentials (RFC 6749 §4.4)."""
    response = current_app.extensions["oauth_server"].create_token_response()
    if response.status_code >= 400:
        # Keep RFC 6749's `error` fields for OAuth clients, inside the API's one error shape.
        oauth_error = current_app.json.loads(response.get_data())
        body = error_body(
            response.status_code,
            oauth_error.get("error_description") or oauth_error.get("error"),
            {"oauth": [oauth_error.get("error")]},
        )
        response.set_data(current_app.json.dumps(body | oauth_error))
    return response


@blp.errorhandler(InvalidInput)
def malformed_request(error: InvalidInput):
    """A token request holding text no field may hold (a control character, bytes that are not
    UTF-8), refused before Authlib reads it: RFC 6749 §5.2's 400 (``invalid_scope`` for the
    scope, ``invalid_request`` for anything else), the field named as everywhere else."""
    oauth_error = "invalid_scope" if error.field == "scope" else "invalid_request"
    message = gettext(error.message)
    errors = {name: messages for name, messages in error.errors.items()}
    body = error_body(400, message, errors | {"oauth": [oauth_error]})
    return jsonify(body | {"error": oauth_error, "error_description": message}), 400


def register(app):
    """Mount the token endpoint; the authorization server it uses."""
    app.register_blueprint(blp)
    return make_authorization_server(app)
