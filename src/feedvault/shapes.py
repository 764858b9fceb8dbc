"""The JSON shapes of feeds, entries, versions and changes: `--json` of the CLI and the web
JSON API both build them here, so a field is named and formatted in one place.

The two outputs are documented separately (docs/cli.md, the OpenAPI document) and differ
where they were published differently; each difference is a keyword here, not a second
copy: the API shows only http(s) links (``web=True``: a local file's path is nobody's
business on the web) and names the entry count ``entry_count``; the CLI shows the local
path, the error count and the next check.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedvault.changes.model import Change, Mark
from feedvault.export.links import http_link
from feedvault.media.model import MediaLink
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.timeutil import iso


def feed_json(feed: Feed, *, web: bool = False) -> dict[str, object]:
    """A feed: the API's shape with ``web``, else the CLI's (`feeds --json`, `add --json`)."""
    if web:
        return {
            "slug": feed.slug,
            "name": feed.name,
            "url": http_link(feed.url),
            "site_url": http_link(feed.site_url),
            "entry_count": feed.entry_count,
            "status": feed.status,
            "last_updated": iso(feed.last_updated),
            "last_error": feed.last_error,
            "added_at": iso(feed.added_at),
        }
    return {
        "slug": feed.slug,
        "name": feed.name,
        "url": feed.url,
        "entries": feed.entry_count,
        "last_updated": iso(feed.last_updated),
        "last_error": feed.last_error,
        "status": feed.status,
        "error_count": feed.error_count,
        "next_check": iso(feed.next_check),
    }


def media_json(link: MediaLink) -> dict[str, object]:
    """An image a version shows and where its archived copy is (``href``: this app's
    ``/media/<sha>``, or null while it is not archived)."""
    return {
        "url": link.url,
        "kind": link.kind,
        "state": link.state,
        "href": f"/media/{link.sha}" if link.state == "ok" and link.sha else None,
    }


def entry_json(
    entry: Entry, *, web: bool = False, content: bool = True,
    media: Sequence[MediaLink] | None = None,
) -> dict[str, object]:
    """An entry's current version: the API's shape with ``web`` (``content``: with its
    cleaned HTML; ``media``: with the images it shows), else the CLI's (`entries --json`,
    the head of `show --json`)."""
    if not web:
        return {
            "id": entry.id,
            "feed": entry.feed_slug,
            "title": entry.title,
            "link": entry.link,
            "published": iso(entry.published),
            "text": entry.text,
        }
    data: dict[str, object] = {
        "id": entry.id,
        "feed": entry.feed_slug,
        "title": entry.title,
        "link": http_link(entry.link),
        "author": entry.author,
        "published": iso(entry.published),
        "published_source": entry.published_source,
        "updated": iso(entry.updated),
        "first_seen": iso(entry.first_seen),
        "last_seen": iso(entry.last_seen),
        "version_count": entry.version_count,
    }
    if content:
        data["content_html"] = entry.content_html
    if media is not None:
        data["media"] = [media_json(link) for link in media]
    return data


def hit_json(entry: Entry, snippet: str) -> dict[str, object]:
    """A search result as `search --json` prints it (``snippet``: HTML, matches in <mark>)."""
    return {
        "id": entry.id,
        "feed": entry.feed_slug,
        "title": entry.title,
        "link": entry.link,
        "published": iso(entry.published),
        "snippet": snippet,
    }


def version_json(
    version: EntryVersion, *, web: bool = False, raw: bool = True,
    media: Sequence[MediaLink] | None = None,
) -> dict[str, object]:
    """One version. The CLI always shows the raw HTML as received; the API on request.
    ``media``: the images the version shows (`media_json`)."""
    data: dict[str, object] = {
        "seq": version.seq,
        "seen_at": iso(version.seen_at),
        "source": version.source,
        "title": version.title,
        "link": http_link(version.link) if web else version.link,
    }
    if raw:
        data["raw_html"] = version.raw_html
    data.update(
        content_html=version.content_html, text=version.text, content_hash=version.content_hash
    )
    if media is not None:
        data["media"] = [media_json(link) for link in media]
    return data


def change_json(change: Change) -> dict[str, object]:
    """An edit, disappearance or return: `changes --json` and /changes.json alike."""
    return {
        "kind": change.kind,
        "entry": change.entry_id,
        "feed": change.feed,
        "title": change.title,
        "at": iso(change.at),
        "evidence": {"how": change.how, **change.evidence},
    }


def mark_json(mark: Mark) -> dict[str, object]:
    """A mark of one entry, as `show --json` lists them."""
    return {"kind": mark.kind, "at": iso(mark.at), "how": mark.how, "evidence": mark.evidence}
