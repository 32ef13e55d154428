"""Valuation pages: a provider requests, an appraiser works the report through, both read it;
the report page draws its charts on the server and downloads as a PDF with Chinese text."""

from __future__ import annotations

import io
import re
import zlib

import sqlalchemy as sa

from market.context import db_session
from market.valuation import forms, imports, pages, schemas
from market.valuation import tasks as valuation_tasks
from market.valuation.models import ValuationReport
from tests.registry import factories as rf
from tests.valuation.conftest import CSV
from tests.valuation.test_api import INPUTS
from tests.web import WebClient

ENGLISH = {"Accept-Language": "en"}


def _flow(app, client, holding, appraiser):
    organisation, owner, asset = holding
    client.log_in(owner.email)
    response = client.submit(
        "/valuations",
        {"asset_id": str(asset.id), "purpose": "financing", "purpose_note": "银行质押"},
        page="/valuations",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    report_path = response.headers["Location"]
    staff = WebClient(app)
    staff.log_in(appraiser.email)
    report_id = int(report_path.rstrip("/").split("/")[-1])
    action = f"/appraisal/valuations/{report_id}"
    assert staff.submit(f"{action}/take", {}, page=report_path).status_code == 302
    return staff, report_path, action


def _form(inputs: dict) -> dict:
    """The inputs as the editor's fields (amounts in yuan)."""
    schema = schemas.InputsSchema()
    return forms.to_form(schema.dump(schema.load(inputs)), "CNY")


def test_the_report_is_worked_through_and_printed(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    editor = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert 'name="cost_item0_amount"' in editor and 'name="weight_market"' in editor

    # Errors come back next to their fields, in the reader's language, the typed values kept.
    bad = dict(
        _form(INPUTS), cost_item1_amount="12.345", income_discount_rate="abc", weight_cost="2"
    )
    response = staff.submit(f"{action}/inputs", bad, page=report_path, headers=ENGLISH)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="cost_item1_amount-error">This currency allows at most 2 decimal places.' in text
    assert 'id="income_discount_rate-error">Not a valid number.' in text
    assert 'id="weight_cost-error">' in text
    assert 'value="12.345"' in text and 'value="abc"' in text
    # All of them summed up at the top too, each linking to its field.
    summary = text.split('data-testid="error-summary"')[1].split("</div>")[0]
    for name in ("cost_item1_amount", "income_discount_rate", "weight_cost"):
        assert f'href="#{name}"' in summary
    chinese = staff.submit(f"{action}/inputs", bad, page=report_path).get_data(as_text=True)
    assert 'id="income_discount_rate-error">Not a valid number.' not in chinese

    wrong = dict(_form(INPUTS), weight_cost="0.5", weight_income="0.2")
    response = staff.submit(f"{action}/inputs", wrong, page=report_path, headers=ENGLISH)
    assert response.status_code == 422
    assert 'id="weights-error">The weights must sum to one.' in response.get_data(as_text=True)

    response = staff.submit(f"{action}/inputs", _form(INPUTS), page=report_path)
    assert response.status_code == 302
    assert staff.submit(f"{action}/run", {}, page=report_path).status_code == 302
    # Until it is signed the provider sees where the report stands, not its draft values.
    draft = client.get(report_path).get_data(as_text=True)
    assert 'data-testid="sealed"' in draft and "7,972.78" not in draft
    assert "<svg" not in draft and "report.pdf" not in draft
    assert client.get(f"{report_path}/report.pdf").status_code == 404
    assert "7,972.78" in staff.get(report_path).get_data(as_text=True)
    assert staff.submit(f"{action}/finalise", {}, page=report_path).status_code == 302

    page = client.get(report_path).get_data(as_text=True)
    assert page.count("<svg") == 2  # methods and tornado (no profile: the quality was set)
    assert re.search(r'data-testid="report-number">SZDX-V-\d{4}-\d{6}', page)
    assert "797,278" in page.replace("\u00a0", " ") or "7,972.78" in page
    assert "straight-line over 36 months" in page
    # The formulas speak the reader's language.
    assert "各可比交易的均值" in page and "mean over comparables" not in page
    # Stacked on a phone, every cell keeps its column's name (method, sensitivity, inputs).
    cells = re.findall(r"<td( data-label=\"[^\"]+\")?>", page)
    assert cells and all(cells), "a report table cell without data-label"
    assert 'data-label="权重"' in page or 'data-label="Weight"' in page

    pdf = client.get(f"{report_path}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert b"CJK" in _pdf_objects(pdf.data)  # a Noto CJK font is embedded for the Chinese


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with every Flate-compressed stream inflated (font names hide in object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_profile_draws_a_quality_radar(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    response = staff.submit(f"{action}/profile", {"file": "stations.csv"}, page=report_path)
    assert response.status_code == 302
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of stations.csv: Queued" in page
    assert valuation_tasks.run_profile_jobs(app) == 1
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of stations.csv: Done" in page
    assert "Completeness" in page
    assert page.count("<svg") == 1


def test_the_quality_dimensions_are_named_in_the_readers_language_only(
    app, client, holding, appraiser
):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    staff.submit(f"{action}/profile", {"file": "stations.csv"}, page=report_path)
    assert valuation_tasks.run_profile_jobs(app) == 1
    english = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    chinese = staff.get(report_path, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    dimension = re.compile(r'<td data-label="[^"]+">([^<]+)</td><td data-label="[^"]+">[\d.—]')
    assert dimension.findall(english) == [
        "Conformance", "Completeness", "Accuracy", "Consistency", "Timeliness", "Accessibility"
    ]  # fmt: skip
    chinese_names = ["规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"]
    assert dimension.findall(chinese) == chinese_names
    assert not any(name in english for name in chinese_names)  # the chart's labels too


def test_other_providers_and_non_appraisers_are_kept_out(app, client, holding, appraiser, db):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    from tests.registry import factories as rf

    _other, stranger = rf.provider(db)
    db.commit()
    outsider = WebClient(app)
    outsider.log_in(stranger.email)
    assert outsider.get(report_path).status_code == 404
    assert outsider.get(f"{report_path}/report.pdf").status_code == 404
    assert outsider.submit(f"{action}/run", {}).status_code == 403


def test_the_appraiser_includes_and_excludes_exchange_trades(app, client, holding, appraiser, db):
    from datetime import timedelta

    from market.db import utcnow
    from market.trading.models import OrderStatus
    from market.valuation.models import ValuationReport
    from tests.listings import factories as lf
    from tests.registry import factories as rf
    from tests.valuation.test_listing_badge import _order

    organisation, owner, _asset = holding
    listing = lf.published_listing(db, store_of(app), organisation, owner, rf.reviewer(db))
    buyer, _ = rf.provider(db)
    trade = _order(db, listing, buyer, OrderStatus.SETTLED, utcnow() - timedelta(days=3), 420_000)
    db.commit()
    reference = f"order:{trade.reference or trade.id}"
    staff, report_path, action = _flow(app, client, holding, appraiser)
    assert staff.submit(f"{action}/inputs", _form(INPUTS), page=report_path).status_code == 302

    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    # What was traded, by name and terms; the order's number without the code's prefix.
    assert f"Trade {reference.removeprefix('order:')}<" in page and "Trade order:" not in page
    assert 'data-testid="similarity"' in page
    traded = page.split('data-testid="traded">')[1].split("</p>")[0]
    assert listing.asset.title_en in traded and "licence" in traded
    assert trade.plan.name_en in traded
    # The licence's territory by its name in the reader's language, not its code (CN).
    assert listing.live_revision.terms["territory"] == ["CN"]
    assert "Mainland China" in traded and " CN " not in traded
    page = staff.get(report_path, headers={"Accept-Language": "zh-Hant"}).get_data(as_text=True)
    traded = page.split('data-testid="traded">')[1].split("</p>")[0]
    assert "中國內地" in traded and " CN " not in traded
    row = re.search(rf'name="comp(\d+)_reference" value="{re.escape(reference)}"', page).group(1)
    assert f'name="comp{row}_include" value="1" >' in page  # offered, not yet included

    # The page's own comparable rows, as a browser posts them (trades first, then own rows).
    form = {key: value for key, value in _form(INPUTS).items() if not key.startswith("comp")}
    for shown in re.findall(r'name="comp(\d+)_source"', page):
        form.update(_posted_row(page, shown))
        form.pop(f"comp{shown}_include", None)
    form[f"comp{row}_include"] = "1"
    form[f"comp{row}_rights"] = "0.9"
    assert staff.submit(f"{action}/inputs", form, page=report_path).status_code == 302
    report_id = int(report_path.rstrip("/").split("/")[-1])
    db.expire_all()
    stored = db.get(ValuationReport, report_id).inputs["market"]["comparables"]
    included = next(c for c in stored if c["source"] == "exchange")
    assert included["reference"] == reference and included["price"] == 420_000
    assert included["rights"] == "0.9" and 0 < float(included["similarity"]) <= 1
    db.rollback()

    del form[f"comp{row}_include"]
    assert staff.submit(f"{action}/inputs", form, page=report_path).status_code == 302
    db.expire_all()
    stored = db.get(ValuationReport, report_id).inputs["market"]["comparables"]
    assert [c["source"] for c in stored] == ["entered"]  # the appraiser's own one only
    db.rollback()


def store_of(app):
    return app.extensions["files"]


def _posted_row(page: str, row: str) -> dict:
    """The values the page carries for comparable row ``row`` (as a browser would post)."""
    return dict(re.findall(rf'name="(comp{row}_\w+)"[^>]*?value="([^"]*)"', page))


def test_a_stored_currency_the_ledger_does_not_know_still_shows(
    app, client, holding, appraiser, db
):
    # Rows stored before the request checked the currency: the pages show them, never a 422.
    staff, report_path, action = _flow(app, client, holding, appraiser)
    response = staff.submit(f"{action}/inputs", _form(INPUTS), page=report_path)
    assert response.status_code == 302
    report_id = int(report_path.rstrip("/").split("/")[-1])
    db.execute(
        sa.update(ValuationReport).where(ValuationReport.id == report_id).values(currency="BTC")
    )
    db.commit()
    assert staff.submit(f"{action}/run", {}, page=report_path).status_code == 302
    assert staff.submit(f"{action}/finalise", {}, page=report_path).status_code == 302
    for reader in (client, staff):
        page = reader.get(report_path, headers=ENGLISH)
        assert page.status_code == 200
        assert " BTC" in page.get_data(as_text=True)
        assert reader.get(f"{report_path}/report.pdf").status_code == 200
    assert client.get("/valuations").status_code == 200
    assert staff.get("/appraisal/valuations").status_code == 200


def test_the_printed_report_is_marked_as_a_draft_until_final(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    assert staff.submit(f"{action}/inputs", _form(INPUTS), page=report_path).status_code == 302
    report_id = int(report_path.rstrip("/").split("/")[-1])
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        html = pages.print_html(db_session().get(ValuationReport, report_id))
    assert 'class="draft-mark"' in html and "草稿，未签署" in html
    assert html.count("评估报告") == 2  # <title> and <h1>, said once each
    assert staff.submit(f"{action}/run", {}, page=report_path).status_code == 302
    assert staff.submit(f"{action}/finalise", {}, page=report_path).status_code == 302
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        report = db_session().get(ValuationReport, report_id)
        html, number = pages.print_html(report), report.number
    assert "draft-mark" not in html.split("</style>")[1] and "草稿" not in html
    assert f"<h1>数据资产评估报告 {number}</h1>" in html


def test_the_asset_page_lists_its_valuations_and_offers_a_request(app, client, holding, appraiser):
    _organisation, owner, asset = holding
    client.log_in(owner.email)
    page = client.get(f"/registry/assets/{asset.id}", headers=ENGLISH).get_data(as_text=True)
    assert "No valuation yet." in page
    assert f'href="/valuations?asset_id={asset.id}"' in page
    form = client.get(f"/valuations?asset_id={asset.id}").get_data(as_text=True)
    assert f'value="{asset.id}" selected' in form
    _staff, report_path, _action = _flow(app, client, holding, appraiser)
    page = client.get(f"/registry/assets/{asset.id}", headers=ENGLISH).get_data(as_text=True)
    assert f'href="{report_path}"' in page and "No valuation yet." not in page


def test_a_comparables_reference_is_quoted_in_its_own_language(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    reference = "文交所数字藏品授权 C"
    comparable = {"price": 500_000, "quality": "0.8", "scale": "1.2", "reference": reference}
    inputs = {**INPUTS, "market": {"comparables": [comparable]}}
    assert staff.submit(f"{action}/inputs", _form(inputs), page=report_path).status_code == 302
    assert staff.submit(f"{action}/run", {}, page=report_path).status_code == 302
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert f'<span lang="zh-Hans">{reference}</span>' in page


def _flash(page: str) -> str:
    return page.split('data-testid="flash">')[1].split("</div>")[0]


def test_each_step_says_what_it_did_and_finalising_says_final(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    for step, form, said in (
        ("inputs", _form(INPUTS), "参数已保存"),
        ("run", {}, "评估方法已运行"),
    ):
        response = staff.submit(f"{action}/{step}", form, page=report_path)
        assert response.status_code == 302
        assert said in _flash(staff.get(report_path).get_data(as_text=True))
    assert staff.submit(f"{action}/finalise", {}, page=report_path).status_code == 302
    page = staff.get(report_path).get_data(as_text=True)
    number = re.search(r"SZDX-V-\d{4}-\d{6}", page).group(0)
    assert _flash(page) == f"评估已定稿并签署：报告编号 {number}。"


def test_the_addresses_a_reader_would_type_lead_to_the_report(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    report_id = report_path.rstrip("/").split("/")[-1]
    for path in (
        f"/appraisal/valuations/{report_id}",
        f"/appraisal/valuations/{report_id}/finalise",
        f"/valuations/{report_id}/cancel",
    ):
        response = staff.get(path)
        assert response.status_code == 301, path
        assert response.headers["Location"].endswith(f"/valuations/{report_id}"), path
    # An address only a form posts to, opened as a page, leads back to the page above it.
    response = staff.get(f"/appraisal/valuations/{report_id}/nonsense")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/valuations/{report_id}")
    # The owner follows the same address to the same page; a stranger still gets nothing.
    assert (
        client.get(f"/appraisal/valuations/{report_id}", follow_redirects=True).status_code == 200
    )
    stranger = WebClient(app)
    assert stranger.get(f"/appraisal/valuations/{report_id}").status_code in (302, 401)


def test_an_emoji_in_a_name_prints_in_the_report(app, client, holding, appraiser, db):
    # fonts-noto-color-emoji (tools/services.py installs it with the CJK fonts) prints it;
    # without that font WeasyPrint draws a box, which is why it is installed.
    organisation, _owner, _asset = holding
    organisation.name_zh = "深圳数据科技有限公司 🚀"
    db.commit()
    staff, report_path, _action = _flow(app, client, holding, appraiser)
    pdf = staff.get(f"{report_path}/report.pdf")  # a draft: its provider sees it once final
    assert pdf.status_code == 200
    assert b"Noto-Color-Emoji" in _pdf_objects(pdf.data)


def test_a_corrupt_gbk_file_fails_its_profile_naming_the_offset(
    app, client, holding, appraiser, db, store
):
    # A GBK export with four stray bytes: not read as Cyrillic and scored as fine, but refused
    # where the bytes are, in the reader's language.
    _organisation, owner, asset = holding
    good = ("站点编号,站点名称\n" + "".join(f"S{i:04d},南山站{i}\n" for i in range(1000))).encode(
        "gbk"
    )
    middle = good.index(b"\n", len(good) // 2) + 1
    rf.version(
        db, store, asset, owner, {"gbk.csv": good[:middle] + b"\xff\xfe\x80\x81" + good[middle:]}
    )
    db.commit()
    staff, report_path, action = _flow(app, client, holding, appraiser)
    assert (
        staff.submit(f"{action}/profile", {"file": "gbk.csv"}, page=report_path).status_code == 302
    )
    assert valuation_tasks.run_profile_jobs(app) == 1
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of gbk.csv: Failed" in page
    assert f"(gb18030): the bytes from offset {middle} do not decode" in page
    chinese = staff.get(report_path, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert f"偏移 {middle}" in chinese


def test_the_inputs_form_tells_every_bad_field_at_once_naming_each(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    bad = dict(
        _form(INPUTS),
        cost_item0_amount="-300000",
        income_annual_amount="abc",
        income_economic_life_years="-5",
        income_discount_rate="-0.12",
        disclosure_useful_life_months="99999999999",
    )
    response = staff.submit(f"{action}/inputs", bad, page=report_path, headers=ENGLISH)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for name in (
        "cost_item0_amount",
        "income_annual_amount",
        "income_economic_life_years",
        "income_discount_rate",
        "disclosure_useful_life_months",
    ):
        assert f'id="{name}-error"' in text, name
    summary = text[text.index('data-testid="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "Income approach · Economic life (years): Must be greater than zero." in summary
    assert "Cost item 1 · Amount: " in summary
    assert "Income approach · Discount rate: More than 0 and at most 5." in summary
    assert "2147483647" not in text
    chinese = staff.submit(f"{action}/inputs", bad, page=report_path).get_data(as_text=True)
    assert "收益法 · 经济寿命（年）： " in chinese


def test_the_profile_form_offers_the_assets_fields_and_names_schema_errors(
    app, client, holding, appraiser, db, store
):
    _organisation, owner, asset = holding
    rf.version(db, store, asset, owner, {"stations.csv": CSV, "other.csv": CSV})
    db.commit()
    staff, report_path, action = _flow(app, client, holding, appraiser)
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    # Prefilled with the asset's declared fields (the fixture declares `id` an integer).
    assert "&#34;name&#34;: &#34;id&#34;" in page and "&#34;type&#34;: &#34;integer&#34;" in page

    def refused(schema, headers=ENGLISH):
        response = staff.submit(
            f"{action}/profile",
            {"file": "other.csv", "schema": schema},
            page=report_path,
            headers=headers,
        )
        assert response.status_code == 422
        return response.get_data(as_text=True)

    text = refused('{"fields": [{"name": "id" "type": "integer"}]}')
    assert "Not valid JSON (line 1, column 27)." in text and "Expecting" not in text
    assert "<option selected>other.csv</option>" in text  # the chosen file is kept

    text = refused('{"fields": [{"name": "id"}, {"name": "客流人次", "type": "money"}]}', {})
    assert "schema.fields.1.type" in text
    assert "字段“客流人次”：" in text and "Must be one of" not in text
    assert "请从列表中选择一项" not in text

    text = refused('{"fields": [{"name": "日期", "type": "date", "minimum": "yesterday"}]}')
    assert "<code>schema.fields.0.minimum</code>" in text and "schema_fields" not in text
    assert "Field “日期”: Not a value of the field" in text


def test_a_failed_profile_after_a_good_one_says_the_good_one_stands(
    app, client, holding, appraiser, db, store
):
    _organisation, owner, asset = holding
    rf.version(
        db, store, asset, owner, {"stations.csv": CSV, "broken.jsonl": b'{"a": 1}\n{"a": \n'}
    )
    db.commit()
    staff, report_path, action = _flow(app, client, holding, appraiser)
    for name in ("stations.csv", "broken.jsonl"):
        staff.submit(f"{action}/profile", {"file": name, "schema": ""}, page=report_path)
        assert valuation_tasks.run_profile_jobs(app) == 1
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of broken.jsonl: Failed" in page
    assert "the earlier one, of stations.csv: this failure did not change it" in page
    staff.submit(f"{action}/profile", {"file": "stations.csv", "schema": ""}, page=report_path)
    assert valuation_tasks.run_profile_jobs(app) == 1
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert (
        "Latest profile of stations.csv: Done" in page and 'data-testid="profile-kept"' not in page
    )


def test_the_asset_page_names_file_types_not_media_types(app, client, holding, db, store):
    _organisation, owner, asset = holding
    client.log_in(owner.email)
    page = client.get(f"/registry/assets/{asset.id}").get_data(as_text=True)
    assert 'data-testid="file-kind">CSV<' in page
    assert ">text/csv<" not in page


def test_the_appraiser_imports_inputs_from_a_sheet_on_the_page(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Import inputs" in page and f"{action}/inputs.csv" in page
    template = staff.get(f"{action}/inputs.csv")
    assert template.status_code == 200 and "cost.items.0.amount," in template.get_data(as_text=True)

    sheet = imports.sheet_csv(INPUTS)
    bad = sheet.replace("income.discount_rate,0.1", "income.discount_rate,十")
    row = bad.splitlines().index("income.discount_rate,十") + 1
    response = staff.submit(
        f"{action}/import-inputs",
        {"sheet": (io.BytesIO(bad.encode("gbk")), "inputs.csv")},
        page=report_path,
        headers=ENGLISH,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert f"Row {row}, column value: Not a valid number." in response.get_data(as_text=True)

    response = staff.submit(
        f"{action}/import-inputs",
        {"sheet": (io.BytesIO(sheet.encode("gbk")), "inputs.csv")},
        page=report_path,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        report_id = int(report_path.rstrip("/").split("/")[-1])
        stored = db_session().get(ValuationReport, report_id).inputs
    assert stored["cost"]["items"][0]["amount"] == 600_000
    # No previous final report of this asset to start from: said at the top of the page.
    response = staff.submit(f"{action}/inputs-from-previous", {}, page=report_path, headers=ENGLISH)
    assert response.status_code == 422
    assert "This asset has no final report to start from." in response.get_data(as_text=True)
