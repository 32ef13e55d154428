"""URL rules compile their builders when first used, and build what werkzeug's would; a rule's
text is parsed once per process, each map getting converters of its own."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import AnyConverter, Map, Rule
from werkzeug.routing.converters import IntegerConverter

from market.app import LazyBuildRule, create_app
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


def _app(tmp_path, name):
    return create_app(app_config(f"sqlite:///{tmp_path / 'app.sqlite3'}", tmp_path / name))


def test_a_second_app_takes_the_parsed_rules_with_converters_of_its_own(tmp_path):
    first, second = _app(tmp_path, "first"), _app(tmp_path, "second")
    parsed = dict(LazyBuildRule.parsed)
    third = _app(tmp_path, "third")
    assert LazyBuildRule.parsed == parsed  # nothing parsed again
    firsts = {rule.rule: rule for rule in first.url_map.iter_rules()}
    with_converters = 0
    for rule in third.url_map.iter_rules():
        taken = (list(rule._parts), list(rule._trace), dict(rule._converters), set(rule.arguments))
        assert all(a is b for a, b in zip(rule._parts, firsts[rule.rule]._parts, strict=True)), (
            rule.rule
        )
        for name, converter in rule._converters.items():
            assert converter.map is third.url_map
            assert converter is not firsts[rule.rule]._converters[name]
            with_converters += 1
        # werkzeug's own parse of the rule on this map gives the same
        Rule.compile(rule)
        assert (rule._parts, rule._trace, rule.arguments) == (taken[0], taken[1], taken[3])
        assert {name: (type(c), vars(c)) for name, c in rule._converters.items()} == {
            name: (type(c), vars(c)) for name, c in taken[2].items()
        }, rule.rule
    assert with_converters > 100
    for app in (first, second, third):
        app.extensions["db"].dispose()


class Hex(IntegerConverter):
    regex = "[0-9a-f]+"

    def to_python(self, value: str) -> int:
        return int(value, 16)


def test_a_map_with_other_converters_parses_the_rule_again():
    plain = Map([LazyBuildRule("/things/<int:id>", endpoint="thing")])
    other = Map([LazyBuildRule("/things/<int:id>", endpoint="thing")], converters={"int": Hex})
    assert plain.bind("").match("/things/12") == ("thing", {"id": 12})
    assert other.bind("").match("/things/1f") == ("thing", {"id": 31})
    [rule] = other.iter_rules()
    assert rule._converters["id"].map is other


def test_a_converter_made_otherwise_for_its_map_has_the_rule_parsed_again():
    class Wide(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            super().__init__(map, *args, **kwargs)
            self.regex = map.wide  # depends on the map, not on the rule's text

    converters = {"int": Wide}
    narrow, wide = Map(converters=converters), Map(converters=converters)
    narrow.wide, wide.wide = "[0-9]", "[0-9]+"
    narrow.add(LazyBuildRule("/n/<int:id>", endpoint="n"))
    wide.add(LazyBuildRule("/n/<int:id>", endpoint="n"))
    assert wide.bind("").match("/n/123") == ("n", {"id": 123})
    assert narrow.bind("").match("/n/1") == ("n", {"id": 1})
