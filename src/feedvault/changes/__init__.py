"""Edits and disappearances: what changed in an entry, and entries that were taken down.

Pure parts (diff, noise, feedwatch, origin classification, report) know nothing of storage;
the marks' SQL, written once for both backends, is :mod:`feedvault.changes.marks` (run in the
store's transaction); each backend's schema module holds the tables' DDL.
Import the submodules directly (this package imports nothing, so the CLI starts fast).
"""
