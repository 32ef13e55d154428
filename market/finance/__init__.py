"""Finance: the ledger's pages, API and commands for exchange finance staff."""
