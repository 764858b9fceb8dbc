"""`feedvault export`: the duty-machine markdown tree and the OPML subscription list."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from feedvault.errors import UsageError
from feedvault.store.base import Storage

if TYPE_CHECKING:
    from feedvault.archive.tree import ExportFeed, ExportStats
    from feedvault.media.files import MediaFiles
    from feedvault.media.model import MediaLink


def export_markdown(
    store: Storage,
    root: Path,
    *,
    feeds: Sequence[str] | None = None,
    commit: bool = False,
    media: MediaFiles | None = None,
) -> ExportStats:
    """Write or continue ``root/articles/<slug>/<id>.md`` and ``root/lists/<name>.md``; with
    ``media`` (the vault's media files), also ``root/media/`` and HTML pointing there."""
    from feedvault.archive.tree import export_tree

    if root.exists() and not root.is_dir():
        raise UsageError(f"cannot export to {root}: not a directory")
    chosen = [store.get_feed(s) for s in feeds] if feeds else store.list_feeds()
    items = _export_feeds(store, [f.slug for f in chosen], media=media is not None)
    return export_tree(root, items, commit=commit, media=media)


def _export_feeds(store: Storage, slugs: list[str], *, media: bool = False) -> Iterator[ExportFeed]:
    """One feed at a time, so that memory holds one feed's entries, not the vault's."""
    from feedvault.archive.tree import ExportFeed, ExportItem
    from feedvault.export.links import http_link

    for slug in slugs:
        feed = store.get_feed(slug)
        entries = store.list_entries(feed.id, limit=None, oldest_first=True)
        links = _entry_media(store, [e.id for e in entries]) if media else {}
        items = [
            ExportItem(
                e.id, e.title, http_link(e.link), e.published, e.raw_html, links.get(e.id, ())
            )
            for e in entries
        ]
        if items:
            yield ExportFeed(feed.slug, feed.name, items)


def _entry_media(store: Storage, entry_ids: list[int]) -> dict[int, list[MediaLink]]:
    """Entry id -> the media links of its current version (the one exported)."""
    return store.media.links_for_entries(entry_ids) if entry_ids else {}


def export_opml(store: Storage, path: Path, *, folders: dict[int, str] | None = None) -> int:
    count, data = opml_document(store, folders=folders)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    return count


def opml_document(
    store: Storage, *, folders: dict[int, str] | None = None
) -> tuple[int, bytes]:
    """The subscriptions (feeds with an http(s) URL) as OPML: how many, and the bytes.
    ``folders``: feed id -> folder (a user's, ``vault.users.folder_of_feeds``)."""
    from feedvault.archive.opml import OpmlFeed, write_opml

    folders = folders or {}
    subs = [
        OpmlFeed(title=f.name, xml_url=f.url, html_url=f.site_url,
                 category=folders.get(f.id) or None)
        for f in store.list_feeds()
        if f.url and not f.url.startswith("file://")
    ]
    return len(subs), write_opml(subs)
