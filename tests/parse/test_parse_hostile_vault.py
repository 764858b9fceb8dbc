"""The hostile feeds of test_parse_hostile through the user's paths: `add ./file`, `update`
(the Python API on each backend, and the command line once): every feed is stored, the
12 MB item whole, and no traceback reaches the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedvault.vault import Vault

HOSTILE: dict[str, bytes] = {
    "rss20-prefix.xml": b'<rss version="2.0"><channel><title>T</title><item><title>One</title>'
                        b"<link>https://site.example/1</link><description>a <ite:x>hi</ite:x>"
                        b"</description><ite:x/></item></channel></rss>",
    "rss10-prefix.xml": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                        b'xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>'
                        b'<ite:x/><item rdf:about="https://site.example/1"><title>One</title>'
                        b"<ite:x/></item></rdf:RDF>",
    "atom-xdiv.xml": b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry>'
                     b'<id>urn:1</id><title>One</title><content type="xhtml"><x:div>Hello '
                     b"<b>world</b></x:div></content></entry></feed>",
    "root-prefix.xml": b'<a:feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry>'
                       b"<id>urn:1</id><title>One</title></entry></a:feed>",
    "surrogate.json": b'{"version": "https://jsonfeed.org/version/1.1", "title": "T\\ud800",'
                      b' "items": [{"id": "1\\udfff", "title": "One\\ud800",'
                      b' "content_html": "<p>x\\udc00</p>"}]}',
    "deep.json": b'{"version": "https://jsonfeed.org/version/1", "title": "T", "items": '
                 b'[{"id": "1", "title": "One", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]}",
    "bignum.json": b'{"version": "https://jsonfeed.org/version/1", "title": "T", "items": '
                   b'[{"id": "1", "title": "One", "n": ' + b"9" * 10_000 + b"}]}",
    "javascript.xml": b'<rss version="2.0"><channel><title>T</title><link>javascript:alert(1)'
                      b"</link><item><title>One</title><guid>g1</guid>"
                      b"<link>javascript:alert(1)</link></item></channel></rss>",
}
# One text node of 12 MB: libxml2 cuts (XML) or drops (HTML) text nodes over 10 MB unless
# told not to, in the parser and in the cleaner.
BIG_BODY = (
    "<p>" + "lorem ipsum dolor sit amet " * (12 * 1024 * 1024 // 27 + 1) + "END-OF-ITEM</p>"
)


def big_feed() -> bytes:
    return ('<rss version="2.0"><channel><title>T</title><item><title>One</title>'
            f"<guid>big</guid><description><![CDATA[{BIG_BODY}]]></description></item>"
            "</channel></rss>").encode()


def write_files(directory: Path, *, big: bool = True) -> list[Path]:
    directory.mkdir()
    paths = []
    for name, data in ({**HOSTILE, "big.xml": big_feed()} if big else HOSTILE).items():
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.mark.slow_on_postgres
def test_every_hostile_feed_is_added_and_updated(vault: Vault, tmp_path: Path) -> None:
    slugs = [vault.add_feed(str(path)).slug for path in write_files(tmp_path / "feeds")]
    for slug in slugs:
        feed = vault.feed(slug)
        assert feed.status == "ok", (slug, feed.last_error)
        assert [e.title[:3] for e in vault.entries(slug)] == ["One"], slug
    for path in (tmp_path / "feeds").iterdir():  # a second version of every entry
        path.write_bytes(path.read_bytes().replace(b"One", b"Two", 1))
    results = vault.update()
    assert sorted(r.slug for r in results) == sorted(slugs)
    assert {r.slug: (r.status, r.changed) for r in results} == {s: ("ok", 1) for s in slugs}
    big = vault.entries("big")[0]
    assert len(BIG_BODY) > 12 * 1024 * 1024
    assert big.raw_html == BIG_BODY
    assert big.text.endswith("END-OF-ITEM") and len(big.text) > 12 * 1024 * 1024 - 100
    assert big.content_html == BIG_BODY
    javascript = vault.entries("javascript")[0]
    assert (javascript.guid, javascript.link) == ("g1", None)
    assert vault.entries("surrogate")[0].title == "Two\ufffd"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_line_update_survives_them(db_url: str, tmp_path: Path) -> None:
    paths = write_files(tmp_path / "feeds", big=False)  # the API test stores the big one
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("FEEDVAULT_DB", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "feedvault.cli", "--db", db_url, *args],
                              capture_output=True, text=True, env=env, timeout=300)

    for path in paths:
        added = cli("add", str(path))  # `add` fetches the file once, like `update`
        assert added.returncode == 0, added.stderr
    for path in paths:
        path.write_bytes(path.read_bytes().replace(b"One", b"Two", 1))
    updated = cli("update")
    assert updated.returncode == 0, updated.stderr
    assert "Traceback" not in updated.stderr
    assert f"{len(paths)} feeds: 0 new, {len(paths)} changed" in updated.stdout
