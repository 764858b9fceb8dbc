"""`export markdown --media` from a vault that archived the loopback image site (both
backends): the tree's HTML refers only to files in the tree, and those are the origin's bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import lxml.html
from image_site import EXPECTED, ImageSite

from feedvault.vault import Vault


def images_of(root: Path) -> dict[str, list[str]]:
    """Article file -> the src of every <img> in its body; parsed as a browser would."""
    found = {}
    for path in sorted((root / "articles").rglob("*.md")):
        body = path.read_text("utf-8").split("------\n\n", 1)[1]
        doc = lxml.html.fragment_fromstring(body, create_parent="div")
        found[path.relative_to(root).as_posix()] = [i.get("src") or "" for i in doc.iter("img")]
    return found


def test_the_tree_shows_the_archived_images_from_its_own_files(
    vault: Vault, site: ImageSite, tmp_path: Path
) -> None:
    vault.add_feed(site.feed_url, slug="images")
    site.stop()
    root = tmp_path / "tree"
    stats = vault.export_markdown(root, media=True)
    archived = [p for p, e in EXPECTED.items() if e.state == "ok"]
    assert stats.media == len(archived)
    shown: dict[bytes, str] = {}
    for name, srcs in images_of(root).items():
        for src in srcs:
            assert "://" not in src and not src.startswith(("/", "data:")), (name, src)
            target = ((root / name).parent / src).resolve()
            assert target.is_file() and root.resolve() in target.parents, (name, src)
            shown[target.read_bytes()] = src
    assert set(shown) == {site.origin_bytes(p) for p in archived}
    svg = next(src for data, src in shown.items() if data.startswith(b"<?xml"))
    assert svg.endswith(".svg")
    text = "".join(p.read_text("utf-8") for p in (root / "articles").rglob("*.md"))
    for path, expected in EXPECTED.items():
        if expected.state != "ok":  # a placeholder with the way to the origin
            assert f'class="media-missing-link" href="{site.url(path)}"' in text, path
    assert "srcset" not in text


def test_the_command_line_and_a_second_export(
    vault: Vault, site: ImageSite, tmp_path: Path
) -> None:
    vault.add_feed(site.feed_url, slug="images")
    root = tmp_path / "tree"
    env = dict(os.environ, FEEDVAULT_MEDIA_DIR=str(vault.media_files.root))  # type: ignore[attr-defined]
    env.pop("FEEDVAULT_DB", None)

    def export(*extra: str) -> dict[str, int]:
        done = subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", vault.settings.db, "export",
             "markdown", str(root), "--json", *extra],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        )
        result: dict[str, int] = json.loads(done.stdout)
        return result

    plain = export()
    assert "media" not in plain and not (root / "media").exists()
    first = export("--media")
    archived = sum(1 for e in EXPECTED.values() if e.state == "ok")
    assert (first["updated"], first["media"]) == (plain["written"], archived)
    again = export("--media")
    assert (again["written"], again["updated"], again["media"]) == (0, 0, 0)
