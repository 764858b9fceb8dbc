"""The archive format (duty-machine markdown files), its directory tree, and OPML.

Pure library code: no database. Readers turn files into values, renderers turn values into
the exact bytes duty-machine/news writes, and ``export_tree`` continues an existing tree.
"""

from __future__ import annotations

from feedvault.archive.opml import OpmlFeed, read_opml, write_opml
from feedvault.archive.reader import (
    ArchivedItem,
    iter_archive_paths,
    looks_like_opml,
    read_archive_file,
    read_archive_header,
    read_archive_text,
)
from feedvault.archive.render import epoch_ms, js_trim, render_item, render_list
from feedvault.archive.tree import ExportFeed, ExportItem, ExportStats, export_tree

__all__ = [
    "ArchivedItem",
    "ExportFeed",
    "ExportItem",
    "ExportStats",
    "OpmlFeed",
    "epoch_ms",
    "export_tree",
    "iter_archive_paths",
    "js_trim",
    "looks_like_opml",
    "read_archive_file",
    "read_archive_header",
    "read_archive_text",
    "read_opml",
    "render_item",
    "render_list",
    "write_opml",
]
