"""Updating feeds: the pipeline (prepare -> commit), the preparing worker processes, local
files, the learnt schedule, the `run` loop, leases, full-text pages and the `Updater` that
joins them for `Vault`. Nothing here imports `vault`, `cli` or `web`: they import this."""
