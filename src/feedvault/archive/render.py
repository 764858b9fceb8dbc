"""Write the archive format byte for byte as duty-machine/news does.

duty-machine is JavaScript: it trims with ``String.prototype.trim`` and splits bodies on
``\\n`` only. Python's ``str.strip``/``splitlines`` disagree on a handful of characters
(U+FEFF, U+0085, U+001C..U+001F, bare ``\\r``, U+2028), so both are spelt out here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from feedvault.urls import whatwg_href

__all__ = ["LIST_LIMIT", "epoch_ms", "js_trim", "render_item", "render_list"]

# ECMAScript WhiteSpace and LineTerminator code points: what String.prototype.trim removes.
JS_WHITESPACE = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
LIST_LIMIT = 300
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LIST_TZ = timezone(timedelta(hours=8))  # duty-machine's readers are in China: UTC+8 dates
_MS = timedelta(milliseconds=1)


def js_trim(value: str) -> str:
    """``value.trim()`` as JavaScript does it."""
    return value.strip(JS_WHITESPACE)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, exact (integer arithmetic); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MS


def _one_line(title: str) -> str:
    # A newline inside a title would end the header line and make the file unreadable.
    trimmed = js_trim(title)
    if "\n" in trimmed or "\r" in trimmed:
        trimmed = " ".join(js_trim(part) for part in trimmed.replace("\r", "\n").split("\n"))
    return trimmed


def render_item(title: str, link: str | None, published: datetime, html: str) -> str:
    """One ``articles/<site>/<id>.md`` file, exactly as duty-machine writes it.

    The body is every ``\\n``-separated line of ``html`` trimmed, joined with nothing, so
    rendering is idempotent: render -> read -> render gives the same text.
    """
    href = whatwg_href(link) if link else ""
    body = "".join(js_trim(line) for line in html.split("\n"))
    return f"<!--{epoch_ms(published)}-->\n[{_one_line(title)}]({href})\n------\n\n{body}\n"


def render_list(
    site_name: str,
    rows: Sequence[tuple[datetime, str, str]],
    *,
    site_dir: str | None = None,
) -> str:
    """``lists/<site name>.md``: the latest 300 rows, newest publication first.

    Each row is ``(published, title, file name)`` and becomes ``M-D [title](/articles/<dir>/
    <file>)`` with month and day in UTC+8. ``site_dir`` is the articles directory name when
    it differs from ``site_name`` (feedvault names directories by slug). Rows are separated
    by one blank line; the file ends with a single newline after the last row, or right
    after the ``------`` header block (``"name\\n------\\n\\n"``) when there are no rows.
    """
    directory = site_dir if site_dir is not None else site_name
    latest = sorted(rows, key=lambda row: (-epoch_ms(row[0]), _file_key(row[2])))[:LIST_LIMIT]
    lines = []
    for published, title, file_name in latest:
        local = _as_aware(published).astimezone(_LIST_TZ)
        lines.append(
            f"{local.month}-{local.day} [{_one_line(title)}](/articles/{directory}/{file_name})"
        )
    header = f"{_one_line(site_name)}\n------\n\n"
    return header + "\n\n".join(lines) + "\n" if lines else header


def _as_aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _file_key(name: str) -> tuple[int, str]:
    stem = name.split(".", 1)[0].split("_", 1)[0]
    return (int(stem) if stem.isdigit() else 1 << 62, name)
