"""Edits and disappearances: what changed in an entry, and entries that were taken down.

Pure parts (diff, feedwatch, origin classification, report) know nothing of storage; the
SQLite statements live in :mod:`feedvault.changes.sqlite` and run in the store's transaction.
Import the submodules directly (this package imports nothing, so the CLI starts fast).
"""
