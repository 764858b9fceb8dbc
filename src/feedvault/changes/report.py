"""Changes for people: one-line descriptions, `feedvault show` lines and an Atom feed.

The Atom feed is what a newsroom or a researcher subscribes to ("what was edited or removed
today"); each item links to the entry's page in the web app, where the diff is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from feedvault.changes.model import Change, Mark
from feedvault.export.atom import ATOM_NS, AtomFeedInfo, xml_text
from feedvault.export.links import http_link

_A = f"{{{ATOM_NS}}}"
_HEADINGS = {"edit": "Edited", "gone": "Gone", "back": "Back"}
_REASONS = {
    "not_found": "the page answers {status}",
    "front_page": "redirected to the front page {final_url}",
    "other_article": "redirected to another article {final_url} ({pct} of the text there)",
    "text_missing": "the page no longer has the text ({pct} of it left)",
    "moved": "found again at {final_url}",
    "present": "the page has the text again",
}


def describe(kind: str, how: str, evidence: Mapping[str, Any]) -> str:
    """One line saying what was noticed and the evidence for it."""
    if kind == "edit":
        fields = ", ".join(evidence.get("fields") or ()) or "nothing visible"
        ratio = evidence.get("ratio")
        similar = f", {ratio:.0%} similar" if isinstance(ratio, int | float) else ""
        return f"edited {fields} ({evidence.get('size', 0)} characters changed{similar})"
    if how == "feed":
        if kind == "gone":
            return (
                f"left the feed while {evidence.get('older_still_listed', '?')} older "
                f"item(s) stayed; last listed {evidence.get('last_listed') or '?'}"
            )
        return "listed in the feed again"
    reason = str(evidence.get("reason", ""))
    sim = evidence.get("similarity")
    values = {
        "status": evidence.get("status"),
        "final_url": evidence.get("final_url") or "",
        "pct": f"{sim:.0%}" if isinstance(sim, int | float) else "?",
    }
    detail = _REASONS.get(reason, reason or "checked").format(**values)
    verb = "gone at the origin" if kind == "gone" else "back at the origin"
    return f"{verb}: {detail} (checked {evidence.get('checked_at') or '?'})"


def format_marks(marks: Sequence[Mark]) -> list[str]:
    """Lines for `feedvault show`: when, what, how noticed, the evidence."""
    return [
        f"  {m.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC\t{m.kind}\t{m.how}\t"
        f"{describe(m.kind, m.how, m.evidence)}"
        for m in marks
    ]


def change_urn(change: Change) -> str:
    """The same change always gets the same id, so readers never show it twice."""
    stamp = int(change.at.timestamp() * 1000)
    name = f"feedvault:change:{change.feed}:{change.entry_id}:{change.kind}:{change.how}:{stamp}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def changes_atom(
    changes: Sequence[Change],
    info: AtomFeedInfo,
    entry_url: Callable[[Change], str],
) -> bytes:
    """An Atom 1.0 document of ``changes`` (newest first), UTF-8 encoded."""
    root = etree.Element(_A + "feed", nsmap={None: ATOM_NS})  # type: ignore[dict-item]
    _sub(root, "id", info.feed_id)
    _sub(root, "title", info.title, type="text")
    if info.subtitle:
        _sub(root, "subtitle", info.subtitle, type="text")
    newest = max((c.at for c in changes), default=None)
    _sub(root, "updated", _stamp(info.updated or newest or datetime.now(tz=UTC)))
    _sub(root, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=info.alternate_url)
    for rel, href in info.links.items():
        _sub(root, "link", rel=rel, type="application/atom+xml", href=href)
    _sub(_sub(root, "author"), "name", info.generator)
    _sub(root, "generator", info.generator)
    for change in changes:
        _add_change(root, change, entry_url(change))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _add_change(root: etree._Element, change: Change, url: str) -> None:
    node = _sub(root, "entry")
    _sub(node, "id", change_urn(change))
    heading = _HEADINGS.get(change.kind, change.kind)
    _sub(node, "title", f"{heading}: {change.title or '(untitled)'}", type="text")
    _sub(node, "updated", _stamp(change.at))
    _sub(node, "link", rel="alternate", type="text/html", href=url)
    related = http_link(change.link)
    if related:
        _sub(node, "link", rel="related", type="text/html", href=related)
    _sub(node, "category", term=change.kind, label=heading)
    _sub(node, "category", term=f"feed:{change.feed}", label=change.feed)
    _sub(node, "summary", describe(change.kind, change.how, change.evidence), type="text")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, _A + tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_text(text)
    return node


def _stamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
