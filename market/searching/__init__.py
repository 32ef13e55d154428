"""Search curation for staff: the exchange's synonym list (audited) and search analytics."""
