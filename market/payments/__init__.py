"""Payments: the Stripe gateway and its webhooks (offline bank transfers live in trading)."""
