"""Templates are compiled once per process: a second app renders the same page from the code
the first compiled, an edited template is compiled again, and an environment set up otherwise
never takes another's code."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from market.app import CompiledTemplates, create_app
from tests.conftest import app_config


def _app(tmp_path, name: str):
    return create_app(app_config(f"sqlite:///{tmp_path / f'{name}.sqlite3'}", tmp_path / name))


def _counting_compiles(environment) -> list[str]:
    """The names of the templates ``environment`` compiles from here on."""
    compiled: list[str] = []
    compile_source = environment.compile

    def compile(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(source, name, filename, raw, defer_init)

    environment.compile = compile
    return compiled


def test_a_second_app_renders_a_page_without_compiling_its_templates(tmp_path):
    first, second = _app(tmp_path, "first"), _app(tmp_path, "second")
    assert first.test_client().get("/no-such-page").status_code == 404
    compiled = _counting_compiles(second.jinja_env)
    page = second.test_client().get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.text
    assert compiled == []


def _environment(templates: dict[str, str], cache, **options) -> Environment:
    return Environment(loader=DictLoader(templates), bytecode_cache=cache, **options)


def test_an_edited_template_is_compiled_again():
    cache = CompiledTemplates()
    templates = {"page.html": "<p>{{ word }}</p>"}
    assert _environment(templates, cache).get_template("page.html").render(word="a") == "<p>a</p>"
    templates["page.html"] = "<b>{{ word }}</b>"
    edited = _environment(templates, cache)
    compiled = _counting_compiles(edited)
    assert edited.get_template("page.html").render(word="a") == "<b>a</b>"
    assert compiled == ["page.html"]


def test_an_environment_with_other_syntax_or_extensions_compiles_its_own():
    cache = CompiledTemplates()
    templates = {"page.html": "{% if 1 %}<% word %>{% endif %}"}
    plain = _environment(templates, cache)
    assert plain.get_template("page.html").render(word="a") == "<% word %>"
    other = _environment(templates, cache, variable_start_string="<%", variable_end_string="%>")
    compiled = _counting_compiles(other)
    assert other.get_template("page.html").render(word="a") == "a"
    with_i18n = _environment(templates, cache, extensions=["jinja2.ext.i18n"])
    compiled_i18n = _counting_compiles(with_i18n)
    with_i18n.get_template("page.html")
    assert compiled == ["page.html"] and compiled_i18n == ["page.html"]


def test_new_style_gettext_compiles_its_own():
    cache = CompiledTemplates()
    templates = {"page.html": "{% trans %}Hello{% endtrans %}"}
    old_style = _environment(templates, cache, extensions=["jinja2.ext.i18n"])
    old_style.install_null_translations(newstyle=False)
    assert old_style.get_template("page.html").render() == "Hello"
    new_style = _environment(templates, cache, extensions=["jinja2.ext.i18n"])
    new_style.install_null_translations(newstyle=True)
    compiled = _counting_compiles(new_style)
    assert new_style.get_template("page.html").render() == "Hello"
    assert compiled == ["page.html"]
