"""A mail's subject is one short line, whatever the user typed into the text it quotes: the
buyer's dispute reason (line breaks and all) and the reviewer's note reach the body whole; a
long title or reason is shortened in the subject before the words that say what happened."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from market.mail import SUBJECT_MAX, subject_line
from tests.trading.helpers import pay_by_card, place

REASON = (
    "订阅方案写明每日更新，\n实际上最近一周都没有更新。\r\n要求退还一半款项（¥2,400）。"
    + "详" * 200
)
NOTE = "已核实：\t更新确有中断\n款项照付"


def _mails(app, to: str) -> list[tuple[str, object]]:
    """Each mail to ``to``: its decoded subject and the message."""
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"].lower() == to.lower():
            found.append((str(message["Subject"]), message))
    return found


def test_dispute_mails_carry_one_short_subject_line_and_the_whole_reason(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    disputed = exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": REASON}
    )
    assert disputed.status_code == 201, disputed.get_json()
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "release", "note": NOTE},
    )
    assert decided.status_code == 200, decided.get_json()
    drain()
    mails = _mails(exchange.app, exchange.provider_user.email)
    disputes = [m for m in mails if "有争议" in m[0]]
    decisions = [m for m in mails if "已裁决" in m[0]]
    assert len(disputes) == len(decisions) == 1
    for subject, _message in disputes + decisions:
        assert len(subject) <= SUBJECT_MAX
        assert not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in subject)
    subject, message = disputes[0]
    assert subject.startswith(f"订单 {order['reference']}") and subject.endswith("…」")
    # The reason, quoted, is what is shortened: the sentence saying what happened stays whole.
    assert "有争议，结算暂停待审核员裁决：「" in subject
    # The line break became a space (which decoding may drop between two encoded words).
    assert "每日更新，实际上最近" in subject.replace(" ", "")
    body = message.get_content()
    assert "实际上最近一周都没有更新" in body and "详" * 200 in body
    subject, message = decisions[0]
    assert "已核实：更新确有中断款项照付" in subject.replace(" ", "")
    assert "更新确有中断\n款项照付" in message.get_content()


TITLE = "Shenzhen bus and metro passenger flows, station by station, hourly"


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        (f"Order SJ-20261202-0042 (“{TITLE}”) was refunded", "”) was refunded"),
        (f"Listing “{TITLE}” passed compliance review and is published",
         "” passed compliance review and is published"),
        (f"订单 SJ-20261202-0042（「{'深圳公交地铁分站逐小时客流' * 4}」）已退款 ¥2,400.00",
         "」）已退款 ¥2,400.00"),
    ],
)  # fmt: skip
def test_a_long_subject_shortens_the_quoted_title_and_keeps_what_happened(sentence, kept):
    subject = subject_line(sentence)
    assert len(sentence) > SUBJECT_MAX >= len(subject)
    assert subject.endswith(kept)
    assert subject.startswith(re.split(r"(?<=[“「])", sentence)[0])  # up to the opening quote
    assert "…" + kept[0] in subject  # the title says it was shortened


def test_an_english_title_is_shortened_at_a_word():
    subject = subject_line(f"Order SJ-20261202-0042 (“{TITLE}”) was refunded")
    shortened = subject.split("“")[1].split("…")[0]
    assert TITLE.startswith(shortened) and TITLE[len(shortened)] in " ,"


def test_a_short_title_is_kept_and_the_sentence_clipped_only_past_it():
    sentence = "Listing “Bus taps” was approved: " + "now on the market, " * 6
    subject = subject_line(sentence)
    assert len(subject) <= SUBJECT_MAX and subject.endswith("…")
    assert "“Bus taps” was approved" in subject
