"""Media archiving: the images (and, by setting, enclosures) that versions show, and article
page snapshots, kept as content-addressed files with their metadata in the vault.

A pipeline stage: it knows URLs, bytes and HTTP results, never the store, the updater, the
vault or the web app (tests/test_architecture.py). ``model`` holds the values that cross
into the store and the web app; ``files`` the bytes on disk; ``sniff`` what bytes really are.
"""

from feedvault.media.model import (
    MEDIA_STATES,
    MediaFile,
    MediaLink,
    MediaRef,
    MediaTask,
    Snapshot,
)

__all__ = ["MEDIA_STATES", "MediaFile", "MediaLink", "MediaRef", "MediaTask", "Snapshot"]
