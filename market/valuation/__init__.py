"""Valuation (評估): the cost, income and market approaches, data-quality profiles and reports."""
