"""Trading (交易, 分發): orders, payments, escrow, delivery, settlement, refunds, disputes, payouts."""
