"""The composition root: ``create_app`` builds the Flask application, its error handlers and
the unit of work (one commit per request)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, redirect, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect, Rule
from werkzeug.routing.rules import RulePart

import search
from ledger import errors as ledger_errors
from ledger.errors import LedgerError
from market import api as api_setup
from market import config as config_module
from market import display, errors, guard, i18n, ratelimit, web
from market import headers as security_headers
from market.config import ROOT
from market.context import current_user, doom
from market.db import Database, is_busy
from market.errors import DomainError, error_body, errors_of
from market.fields import BigIdConverter, IdConverter
from market.finance import pages as finance_pages
from market.finance import views as finance_views
from market.finance.pages import console as finance_console
from market.finance.pages import imports as finance_imports
from market.finance.views import payouts as finance_payout_views
from market.finance.views import recon as finance_recon_views
from market.forms import error_text, error_texts
from market.identity import pages as identity_pages
from market.identity import views as identity_views
from market.listings import pages as listing_pages
from market.listings import views as listing_views
from market.mail import make_mailer
from market.oauth import pages as oauth_pages
from market.oauth import server as oauth_server
from market.oauth import views as oauth_views
from market.objectstore import make_store
from market.payments import webhooks as stripe_webhooks
from market.payments.gateway import make_gateway
from market.registry import pages as registry_pages
from market.registry import views as registry_views
from market.searching import pages as searching_pages
from market.searching import views as searching_views
from market.text import N_
from market.trading import pages as trading_pages
from market.trading import provenance as trading_provenance
from market.trading import stripe_events as trading_stripe_events
from market.trading import views as trading_views
from market.uploads import pages as upload_pages
from market.uploads import views as upload_views
from market.valuation import pages as valuation_pages
from market.valuation import views as valuation_views
from market.verification import pages as verification_pages
from market.verification import views as verification_views

csrf = CSRFProtect()

# Room for a multipart form's other fields around the largest accepted file.
FORM_OVERHEAD = 1024 * 1024
# Files that arrive in one request, each kind with its own limit; the request cap fits the largest.
ONE_REQUEST_LIMITS = (
    "MAX_UPLOAD_BYTES",
    "MAX_EVIDENCE_BYTES",
    "MAX_SAMPLE_BYTES",
    "MAX_LICENCE_BYTES",
)


@dataclass(frozen=True)
class ParsedRule:
    """What werkzeug parses out of a rule's text: the parts its matcher matches, the trace its
    builders build from, and each converter as the text asks for it (variable, converter name,
    arguments) with what the parts were made from (its regex, weight and whether it stays
    within one path segment)."""

    parts: tuple[RulePart, ...]
    trace: tuple[tuple[bool, str], ...]
    converters: tuple[tuple[str, str, tuple, tuple], ...]
    shapes: tuple[tuple[str, int, bool], ...]


def _shape(converter) -> tuple[str, int, bool]:
    return converter.regex, converter.weight, converter.part_isolating


class LazyBuildRule(Rule):
    """A URL rule parsed once per process, that compiles its two URL builders the first time it
    builds a URL.

    Werkzeug compiles both builders of every rule (generated Python source, ``compile``) when
    the rule is added: 1,600 rules made that 85% of ``create_app``'s time, paid by every test
    that builds an app and every process for the rules it never builds a URL with. The
    builder is the one werkzeug compiles, from the same parts, only later; matching is
    unchanged.

    Werkzeug also parses each rule's text (a regular expression over it, the converters'
    arguments, the parts' regexes and weights) for every map it is added to, about half of what
    was left of ``create_app``; the test suite builds an app per test. :attr:`parsed` keeps, for
    the process, what the first parse of a text made (:class:`ParsedRule`): a rule of the same
    text, on a map of the same settings and converter classes, takes those parts and that trace
    (werkzeug's matcher and builders only read them) and gets converters of its own, made for
    its own map with the same arguments; a converter that comes out otherwise (another regex,
    weight or segment rule) has the rule parsed again. A production process builds one app, so
    there every rule is parsed as before.
    """

    parsed: ClassVar[dict[tuple, ParsedRule]] = {}

    def _parse_key(self) -> tuple:
        domain = self.host if self.map.host_matching else self.subdomain
        converters = tuple(self.map.converters.items())
        return self.rule, domain or "", self.map.host_matching, self.merge_slashes, converters

    def compile(self) -> None:
        """Take the parts and trace of the rule's text if parsed before, else parse it."""
        key = self._parse_key()
        known = self.parsed.get(key)
        if known is not None and self._take(known):
            return
        self._asked: list[tuple[str, str, tuple, tuple]] = []
        super().compile()
        asked, self._asked = self._asked, None
        self.parsed[key] = ParsedRule(
            parts=tuple(self._parts),
            trace=tuple(self._trace),
            converters=tuple(asked),
            shapes=tuple(_shape(self._converters[variable]) for variable, *_ in asked),
        )

    def get_converter(self, variable_name, converter_name, args, kwargs):
        """Werkzeug's converter for a variable, the request noted while the rule is parsed."""
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        if getattr(self, "_asked", None) is not None:
            self._asked.append((variable_name, converter_name, args, tuple(kwargs.items())))
        return converter

    def _take(self, known: ParsedRule) -> bool:
        converters = {}
        for (variable, name, args, kwargs), shape in zip(
            known.converters, known.shapes, strict=True
        ):
            converter = super().get_converter(variable, name, args, dict(kwargs))
            if _shape(converter) != shape:
                return False
            converters[variable] = converter
        self._parts = list(known.parts)
        self._trace = list(known.trace)
        self._converters = converters
        self.arguments.update(converters)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)
        return True

    def _compile_builder(self, append_unknown: bool = True):
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, *args, **kwargs):
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, compiled)
            return compiled(*args, **kwargs)

        return build


class UTF8JSONProvider(DefaultJSONProvider):
    """Flask's JSON, its text in UTF-8 rather than ``\\u`` escapes: a suggestion or an error
    message in Chinese read as ``\\u6df1\\u5733`` to a caller looking at the answer, at six
    bytes a character instead of three. JSON is UTF-8 (RFC 8259), and ``application/json``
    takes no charset parameter."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs) -> str:
        """``obj`` as JSON text; with ``\\u`` escapes after all should it hold a lone
        surrogate, which UTF-8 cannot carry (input refuses them; this keeps an answer quoting
        one from failing)."""
        text = super().dumps(obj, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return super().dumps(obj, **kwargs | {"ensure_ascii": True})
        return text


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory for every app the process builds.

    Each app has a Jinja environment of its own, which compiled every template it rendered
    from the source (parse, generate Python, ``compile``): 0.2-0.6 s for a page's templates,
    paid again by every app, and the test suite builds one app per test. Jinja's bytecode
    cache keeps the compiled code keyed by the template's name and the checksum of its source
    (an edited template is compiled again), here also by the environment's extensions and
    syntax, so an environment set up otherwise never takes another's code.
    """

    def __init__(self) -> None:
        self.code: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple:
        environment = bucket.environment
        return (
            bucket.key,
            tuple(sorted(environment.extensions)),
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.newline_sequence,
            environment.keep_trailing_newline,
            environment.optimized,
            # The i18n extension compiles gettext calls one way or the other.
            getattr(environment, "newstyle_gettext", None),
            # Flask's is a method of the app: the same function for every app of the class.
            getattr(environment.autoescape, "__func__", environment.autoescape),
        )

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[self._key(bucket)] = bucket.bytecode_to_string()


class ShujiaoFlask(Flask):
    """Flask with :class:`LazyBuildRule` for every rule, the static files' included, every JSON
    answer (``jsonify``, flask-smorest's responses, the errors) in UTF-8, and the templates
    compiled once per process (:class:`CompiledTemplates`)."""

    url_rule_class = LazyBuildRule
    json_provider_class = UTF8JSONProvider
    jinja_options = {**Flask.jinja_options, "bytecode_cache": CompiledTemplates()}


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application. ``config`` overrides the ``SHUJIAO_*`` environment (tests, demo)."""
    settings = config_module.load(config)
    app = ShujiaoFlask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(settings)
    # Flask defines these keys itself (as None), so ``setdefault`` would leave them unset.
    app.config["SESSION_COOKIE_HTTPONLY"] = settings.get("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = settings.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["MAX_CONTENT_LENGTH"] = settings.get("MAX_CONTENT_LENGTH") or (
        max(settings[name] for name in ONE_REQUEST_LIMITS) + FORM_OVERHEAD
    )
    # An id in a path beyond its column's range is not found, never sent to the database.
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigint"] = BigIdConverter

    app.extensions["db"] = Database(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["DATABASE_BUSY_TIMEOUT_MS"]
    )
    app.extensions["mailer"] = make_mailer(app.config["MAIL_SINK"], app.config["MAIL_FROM"])
    app.extensions["search"] = search.connect(
        app.config["SEARCH_URL"], prefix=app.config["SEARCH_INDEX_PREFIX"]
    )
    app.extensions["files"] = make_store(app.config)
    app.extensions["payments"] = make_gateway(app.config)
    app.extensions["stripe_handlers"] = {}
    trading_stripe_events.register_stripe_handlers(app)
    # The reviewer's page flags a claimant claiming content it bought (trading knows purchases).
    app.extensions["claim_purchases"] = trading_provenance.purchases_of
    i18n.configure(app)
    csrf.init_app(app)
    # Before every check of the request's input: see authenticate_first.
    app.before_request(oauth_server.authenticate_first)
    api = api_setup.configure(app)
    _register_unit_of_work(app)
    guard.register(app)
    security_headers.register(app)
    errors.observe(doom)
    _register_error_handlers(app)
    _register_blueprints(app, api)
    _register_templates(app)
    return app


def _register_blueprints(app: Flask, api) -> None:
    for pages in (
        web.blp,
        identity_pages.blp,
        oauth_pages.blp,
        finance_pages.blp,
        finance_console.blp,
        finance_imports.blp,
        registry_pages.blp,
        listing_pages.blp,
        trading_pages.blp,
        verification_pages.blp,
        searching_pages.blp,
        valuation_pages.blp,
        upload_pages.blp,
    ):
        app.register_blueprint(pages)
    app.extensions["oauth_server"] = oauth_views.register(app)
    csrf.exempt(oauth_views.blp)
    app.register_blueprint(stripe_webhooks.blp)
    csrf.exempt(stripe_webhooks.blp)
    limiter = ratelimit.configure(app)
    # Every request is counted against its limit first, then its caller is authenticated, then
    # its input judged: a flood of bad tokens is limited, an anonymous caller learns no fields.
    hooks = app.before_request_funcs[None]
    hooks.remove(limiter._check_request_limit)  # noqa: SLF001 (Flask-Limiter's before_request)
    hooks.insert(hooks.index(oauth_server.authenticate_first), limiter._check_request_limit)  # noqa: SLF001
    ratelimit.throttle_sign_in(app, limiter)
    ratelimit.throttle_mailed_links(app, limiter)
    # API blueprints authenticate with bearer tokens, never cookies: no CSRF to guard against.
    for blueprint in (
        identity_views.blp,
        finance_views.blp,
        finance_payout_views.blp,
        finance_recon_views.blp,
        registry_views.blp,
        listing_views.blp,
        trading_views.blp,
        verification_views.blp,
        searching_views.blp,
        valuation_views.blp,
        upload_views.blp,
    ):
        ratelimit.limit_blueprint(limiter, blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")
        csrf.exempt(blueprint)


def _register_unit_of_work(app: Flask) -> None:
    @app.after_request
    def finish_unit_of_work(response):
        session = g.pop("db_session", None)
        doomed = g.pop("doomed", False)
        if session is not None:
            try:
                if response.status_code < 400 and not doomed:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    # Also when an app context without a request ends (a command, a job, a test reading the
    # database): its session's transaction holds SQLite's write lock (BEGIN IMMEDIATE) until
    # it is closed, which would otherwise wait for the garbage collector.
    @app.teardown_appcontext
    @app.teardown_request
    def discard_unit_of_work(_exception):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def _error_response(
    status: int, message: str, errors: dict | None = None, headers=None, facts=None
):  # fmt: skip
    if api_setup.wants_json():
        return jsonify(error_body(status, message, errors, facts)), status, headers or {}
    # A page speaks the reader's language throughout: its field messages too, not only its title.
    errors = {
        field: [error_text(item) for item in messages] if isinstance(messages, list) else messages
        for field, messages in (errors or {}).items()
    }
    page = render_template("error.html", status=status, message=message, errors=errors)
    return page, status, headers or {}


def _flatten(messages: dict) -> dict:
    # webargs keys validation messages by location ("json", "query", ...); fields are unique
    # enough across locations that clients are better served by one flat mapping.
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def form_page(path: str) -> str:
    """The nearest address above ``path`` that is a page: where a form posting to ``path``
    lives (``/orders/16/dispute`` → ``/orders/16``, ``/demands/4/offers`` → ``/demands/4``)."""
    adapter = current_app.url_map.bind("", url_scheme=request.scheme)
    parts = path.rstrip("/").split("/")
    for end in range(len(parts) - 1, 1, -1):
        candidate = "/".join(parts[:end])
        try:
            adapter.match(candidate, method="GET")
        except RequestRedirect:
            pass  # a page all the same (Werkzeug adds the slash)
        except HTTPException:
            continue
        return candidate
    return "/"


def _ledger_status(error: LedgerError) -> int:
    # Malformed requests are 422, missing things 404; any other refusal (a closed period, a
    # crossed limit, a reused key) clashes with the state of the books: 409.
    if isinstance(error, ledger_errors.InvalidRequest):
        return 422
    if isinstance(error, ledger_errors.NotFound):
        return 404
    return 409


HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    403: N_("You may not see or do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not take this method."),
    413: N_("The body is larger than this exchange accepts."),
    429: N_("Too many requests. Wait the seconds the Retry-After header gives, then try again."),
}


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        headers = {}
        if getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
        if error.status == 401 and api_setup.wants_json():
            headers["WWW-Authenticate"] = 'Bearer realm="shujiao"'
        errors = (
            errors_of(error, request.view_args, gettext)
            if api_setup.wants_json()
            else error.messages(gettext)
        )
        message = error.translated(gettext)
        return _error_response(error.status, message, errors, headers, error.facts)

    @app.errorhandler(LedgerError)
    def ledger_error(error: LedgerError):
        message = gettext(error.message)
        errors = {error.field: [message]} if error.field else {}
        return _error_response(_ledger_status(error), message, errors)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = gettext("The form has expired or did not come from this site. Reload the page.")
        # A page reader has the message; the token's own reason (English) is for API callers.
        errors = {"csrf_token": [error.description]} if api_setup.wants_json() else None
        return _error_response(400, message, errors)

    @app.errorhandler(sa.exc.IntegrityError)
    def integrity_error(error):
        # A race lost at the database's unique constraints: the other writer won; retryable.
        return _error_response(409, gettext("This conflicts with a change made at the same time."))

    @app.errorhandler(sa.exc.OperationalError)
    def database_error(error: sa.exc.OperationalError):
        # Another writer held the database longer than we wait: busy, not broken; retryable.
        if is_busy(error):
            message = gettext("The exchange is busy. Try again in a moment.")
            return _error_response(503, message, headers={"Retry-After": "1"})
        return unexpected_error(error)

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError):
        # A schema loaded by a view itself (not through the API's argument parser) refused it.
        messages = (
            error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        )
        message = gettext("The request has invalid fields: %(fields)s.", fields=", ".join(messages))
        # marshmallow's messages in the caller's language (a page translates its own).
        if api_setup.wants_json():
            messages = error_texts(messages)
        return _error_response(422, message, messages)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:
            return error.response  # an answer made on purpose (a refused sign-in's page)
        data = getattr(error, "data", None) or {}
        errors = _flatten(data.get("messages", {})) if "messages" in data else data.get("errors")
        message = data.get("message")
        if message is None and error.code in HTTP_MESSAGES:
            message = gettext(HTTP_MESSAGES[error.code])  # Werkzeug's own are English only
        message = message or error.description or error.name
        if errors and error.code == 422:
            message = gettext(
                "The request has invalid fields: %(fields)s.", fields=", ".join(errors)
            )
            if "messages" in data and api_setup.wants_json():
                errors = error_texts(errors)  # marshmallow's messages, in the caller's language
        if error.code == 405 and request.method in ("GET", "HEAD") and not api_setup.wants_json():
            # A form's address opened as a page (a re-opened tab, the language switch after a
            # refused form re-rendered there) leads back to the page that holds the form.
            return redirect(form_page(request.path), 303)
        facts = None
        if error.code == 413:
            facts = {"limit": request.max_content_length}  # the largest body taken, in bytes
        if not errors and error.code in (404, 405, 413):
            # What is wrong is the address itself, the method sent to it, or the body's size.
            errors = {
                404: {"path": [message]},
                405: {"method": [request.method]},
                413: {"body": [message]},
            }[error.code]
        headers = dict(data.get("headers") or {})
        # A 405 says which methods the resource does take, a 416 how long the file is (RFC
        # 9110), as Werkzeug's own answers would.
        kept = ("Allow", "Content-Range")
        headers.update((name, value) for name, value in error.get_headers() if name in kept)
        return _error_response(error.code or 500, message, errors, headers, facts)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        return _error_response(500, gettext(InternalServerError.description))


def _register_templates(app: Flask) -> None:
    display.register(app)

    @app.context_processor
    def template_globals():
        return {
            "current_user": current_user(),
            "locales": i18n.LANGUAGE_NAMES,
            "language_tags": i18n.LANGUAGE_TAGS,
            "language_tag": i18n.language_tag,
            "locale_code": i18n.locale_code,
            "get_locale": get_locale,
        }
