"""URL rules compile their builders when first used, and build what werkzeug's would."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import AnyConverter, Rule

from market.app import create_app
from tests.conftest import app_config

SAMPLES = {"IdConverter": 7, "BigIdConverter": 9_000_000_000, "PathConverter": "a/b"}


def _sample(converter):
    """A value the converter turns into a URL part."""
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return SAMPLES.get(type(converter).__name__, "x")


def _compiled(rule: Rule) -> bool:
    """Whether either builder is compiled (werkzeug names them ``<builder:'/rule'>``)."""
    builders = (rule._build, rule._build_unknown)
    return any(builder.__name__.startswith("<builder") for builder in builders)


def test_building_the_app_compiles_no_url_builder(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'app.sqlite3'}", tmp_path / "instance"))
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 300
    assert not [rule.rule for rule in rules if _compiled(rule)]

    with app.test_request_context():
        assert url_for("static", filename="site.css") == "/static/site.css"
    static = next(rule for rule in rules if rule.endpoint == "static")
    assert _compiled(static)
    assert [rule.rule for rule in rules if _compiled(rule)] == [static.rule]


def test_every_rule_builds_the_url_werkzeug_compiles(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'app.sqlite3'}", tmp_path / "instance"))
    for rule in app.url_map.iter_rules():
        values = {name: _sample(rule._converters[name]) for name in rule.arguments}
        extra = {**values, "page": "2"}
        eager = Rule._compile_builder(rule, False).__get__(rule, None)
        eager_unknown = Rule._compile_builder(rule, True).__get__(rule, None)
        assert rule._build(**values) == eager(**values), rule.rule
        assert rule._build_unknown(**extra) == eager_unknown(**extra), rule.rule
        # Compiled once: the second build uses the builder the first one stored.
        assert _compiled(rule)
        assert rule._build(**values) == eager(**values)
