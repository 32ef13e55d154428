"""The demo catalogue's plans read in the reader's language and script, as a provider's do."""

import sqlalchemy as sa

from market.listings.models import Listing, Plan, PlanKind


def test_a_demo_plan_that_is_just_its_kind_is_named_in_the_reader_s_script(catalogue):
    with catalogue.app.extensions["db"].unit_of_work() as session:
        listing_id = session.scalar(
            sa.select(Listing.id)
            .join(Plan, Plan.revision_id == Listing.live_revision_id)
            .where(Plan.kind == PlanKind.ONE_TIME, Plan.exclusive.is_(False))
            .order_by(Listing.id)
            .limit(1)
        )
    client = catalogue.app.test_client()
    for language, name, other in [
        ("zh-HK", "一次性授權", "一次性授权"),
        ("zh-CN", "一次性授权", "一次性授權"),
    ]:
        html = client.get(
            f"/market/listings/{listing_id}", headers={"Accept-Language": language}
        ).text
        assert name in html and other not in html, language
