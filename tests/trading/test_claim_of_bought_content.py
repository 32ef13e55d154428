"""A buyer claiming rights in the very file it bought is flagged to the reviewer, who must
acknowledge the conflict with the seller's certificate to approve it."""

from market.registry.models import ClaimState
from tests import factories
from tests.registry import factories as rf
from tests.trading.helpers import pay_by_bank, place
from tests.web import WebClient

BOUGHT = b"stop,riders\n\xe7\xa6\x8f\xe7\x94\xb0,4200\n"


def test_a_buyer_claiming_what_it_bought_is_flagged(exchange, listing_of, db, store):
    listing = listing_of(files={"riders.csv": BOUGHT})
    pay_by_bank(exchange, place(exchange, listing))
    claim = rf.draft(db, store, exchange.buyer, exchange.buyer_user, files={"mine.csv": BOUGHT})
    rf.advance(db, claim, ClaimState.UNDER_REVIEW, exchange.staff)
    db.commit()
    reviewer = WebClient(exchange.app)
    reviewer.log_in(exchange.staff.email, factories.PASSWORD)
    page = reviewer.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert 'data-testid="bought-content"' in page
    assert listing.live_revision.title_zh in page
    assert 'name="acknowledge_conflicts"' in page


def test_someone_elses_file_is_not_flagged_as_bought(exchange, listing_of, db, store):
    listing_of(files={"riders.csv": BOUGHT})  # on sale, never bought by this buyer
    claim = rf.draft(db, store, exchange.buyer, exchange.buyer_user, files={"mine.csv": BOUGHT})
    rf.advance(db, claim, ClaimState.UNDER_REVIEW, exchange.staff)
    db.commit()
    reviewer = WebClient(exchange.app)
    reviewer.log_in(exchange.staff.email, factories.PASSWORD)
    page = reviewer.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert 'data-testid="bought-content"' not in page
    assert 'data-testid="conflicts"' in page


def test_the_claimant_is_told_it_claims_what_it_bought(exchange, listing_of, db, store):
    listing = listing_of(files={"riders.csv": BOUGHT})
    order = pay_by_bank(exchange, place(exchange, listing))
    claim = rf.draft(db, store, exchange.buyer, exchange.buyer_user, files={"mine.csv": BOUGHT})
    db.commit()
    claimant = WebClient(exchange.app)
    claimant.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = claimant.get(f"/registry/claims/{claim.id}").get_data(as_text=True)
    assert 'data-testid="claim-of-bought-content"' in page
    assert order.get_json()["reference"] in page


def test_a_claimant_who_bought_nothing_is_not_warned(exchange, listing_of, db, store):
    listing_of(files={"riders.csv": BOUGHT})
    claim = rf.draft(db, store, exchange.buyer, exchange.buyer_user, files={"mine.csv": BOUGHT})
    db.commit()
    claimant = WebClient(exchange.app)
    claimant.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = claimant.get(f"/registry/claims/{claim.id}").get_data(as_text=True)
    assert 'data-testid="claim-of-bought-content"' not in page
