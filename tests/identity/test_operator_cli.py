"""``shujiao operator``: the exchange's own organisation and its staff members, as a deployment
makes them, with a clear message for each bad input and nothing saved by a refused command."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo

from market.cli import cli
from market.identity.models import MemberRole, Membership, Organisation, StaffRole
from market.oauth.models import OAuthClient
from tests import factories


@dataclass
class Result:
    """What the command said and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def _run(app, *args) -> Result:
    """``shujiao ARGS`` against the app's database (in this process: the command line itself
    is tested as a process in tests/test_cli.py)."""
    info = ScriptInfo(create_app=lambda: app)
    result = CliRunner().invoke(cli, list(args), obj=info, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def _create(app, owner="ops@exchange.cn", **options):
    arguments = {"--name-zh": "深圳数据交易所", "--name-en": "Shenzhen Data Exchange",
                 "--credit-code": factories.credit_code(), **options}  # fmt: skip
    flat = [part for pair in arguments.items() for part in pair]
    return _run(app, "operator", "create", "--owner", owner, *flat)


def _operators(app):
    with app.extensions["db"].unit_of_work() as session:
        return session.scalars(sa.select(Organisation).where(Organisation.is_operator)).all()


def test_the_operator_is_created_once_and_staff_join_it(app, db):
    factories.user(db, "ops@exchange.cn")
    factories.user(db, "checker@exchange.cn")
    db.commit()
    refused = _run(app, "operator", "add-member", "checker@exchange.cn")
    assert refused.returncode == 1 and "does not exist yet" in refused.stderr

    created = _create(app)
    assert created.returncode == 0, created.stderr
    [operator] = _operators(app)
    assert operator.verification_state == "verified" and operator.verified_at is not None
    again = _create(app)
    assert again.returncode == 1 and "exists already" in again.stderr

    added = _run(app, "operator", "add-member", "checker@exchange.cn")
    assert added.returncode == 0, added.stderr
    with app.extensions["db"].unit_of_work() as session:
        roles = dict(
            session.execute(
                sa.select(Membership.user_id, Membership.role).where(
                    Membership.organisation_id == operator.id
                )
            ).all()
        )
    assert sorted(roles.values()) == [MemberRole.ADMIN, MemberRole.OWNER]
    demoted = _run(app, "operator", "add-member", "ops@exchange.cn", "--role", "member")
    assert demoted.returncode == 1 and "role" in demoted.stderr


def test_bad_input_names_the_option_and_saves_nothing(app, db):
    factories.user(db, "ops@exchange.cn")
    db.commit()
    cases = [
        (_create(app, owner="nobody@exchange.cn"), "nobody@exchange.cn"),
        (_create(app, **{"--credit-code": "91440300MA5F"}), "--credit-code"),
        (_create(app, **{"--jurisdiction": "XX"}), "--jurisdiction"),
        (_create(app, **{"--name-zh": "深"}), "--name-zh"),
        (_run(app, "operator", "add-member", "ops@exchange.cn", "--role", "owner"), "--role"),
    ]
    for result, named in cases:
        assert result.returncode != 0
        assert named in result.stderr, result.stderr
    assert _operators(app) == []


def _client_ids(app) -> list[str]:
    with app.extensions["db"].unit_of_work() as session:
        return list(session.scalars(sa.select(OAuthClient.client_id)))


def test_a_staff_members_first_client_is_made_on_the_command_line(app, db):
    factories.user(db, "ops@exchange.cn")
    factories.user(db, "wang.fang@exchange.cn", staff=(StaffRole.APPRAISER,))
    db.commit()
    assert _create(app).returncode == 0
    joined = _run(app, "operator", "add-member", "wang.fang@exchange.cn", "--role", "member")
    assert joined.returncode == 0, joined.stderr
    made = _run(app, "operator", "client", "wang.fang@exchange.cn", "--scope", "appraisal:write")
    assert made.returncode == 0, made.stderr
    printed = dict(line.split(": ", 1) for line in made.stdout.splitlines())
    api = app.test_client()
    token = factories.token(api, printed["client_id"], printed["client_secret"])
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/appraisal/valuations", headers=headers).status_code == 200
    [operator] = _operators(app)
    listed = api.get(f"/api/v1/organisations/{operator.id}/clients", headers=headers)
    assert [row["client_id"] for row in listed.get_json()] == [printed["client_id"]]


def test_the_client_command_refuses_what_the_member_may_not_grant(app, db):
    factories.user(db, "ops@exchange.cn")
    factories.user(db, "wang.fang@exchange.cn", staff=(StaffRole.APPRAISER,))
    factories.user(db, "outsider@exchange.cn", staff=(StaffRole.APPRAISER,))
    db.commit()
    before = _run(app, "operator", "client", "wang.fang@exchange.cn", "--scope", "appraisal:write")
    assert before.returncode == 1 and "does not exist yet" in before.stderr
    assert _create(app).returncode == 0
    assert (
        _run(app, "operator", "add-member", "wang.fang@exchange.cn", "--role", "member").returncode
        == 0
    )
    cases = [
        (("outsider@exchange.cn", "--scope", "appraisal:write"), "add-member"),
        (("wang.fang@exchange.cn", "--scope", "finance:write"), "finance:write"),
        (("wang.fang@exchange.cn", "--scope", "org:write"), "org:write"),
        (("wang.fang@exchange.cn", "--scope", "everything"), "--scope"),
        (("nobody@exchange.cn", "--scope", "appraisal:write"), "nobody@exchange.cn"),
    ]
    for arguments, named in cases:
        result = _run(app, "operator", "client", *arguments)
        assert result.returncode != 0
        assert named in result.stderr, result.stderr
    assert _client_ids(app) == []
