"""A mail's subject is one short line, whatever the user typed into the text it quotes: the
buyer's dispute reason (line breaks and all) and the reviewer's note reach the body whole."""

from email import message_from_bytes, policy
from pathlib import Path

from market.mail import SUBJECT_MAX
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
    assert subject.startswith(f"订单 {order['reference']}") and subject.endswith("…")
    # The line break became a space (which decoding may drop between two encoded words).
    assert "每日更新，实际上最近" in subject.replace(" ", "")
    body = message.get_content()
    assert "实际上最近一周都没有更新" in body and "详" * 200 in body
    subject, message = decisions[0]
    assert "已核实：更新确有中断款项照付" in subject.replace(" ", "")
    assert "更新确有中断\n款项照付" in message.get_content()
