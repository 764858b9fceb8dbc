"""rewrite_images: cleaned HTML pointing at archived copies, placeholders for the rest."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from feedvault.clean.entry import clean_entry
from feedvault.clean.sanitize import sanitize
from feedvault.media.model import MediaLink
from feedvault.media.rewrite import PlaceholderText, link_lookup, rewrite_images

ORIGIN = "http://127.0.0.1:9/"
SHA_A = "a" * 64
SHA_B = "b" * 64


def link(url: str, state: str = "ok", sha: str | None = None, *, shown_as: str | None = None,
         error: str | None = None, kind: str = "img") -> MediaLink:
    return MediaLink(url, kind, shown_as, state, sha if state == "ok" else None,
                     "image/png" if state == "ok" else None, 10 if state == "ok" else None, error)


def href(sha: str) -> str:
    return f"/media/{sha}"


LINKS = [
    link(ORIGIN + "a.png", sha=SHA_A),
    link(ORIGIN + "big.jpg", sha=SHA_B, shown_as=ORIGIN + "small.jpg", kind="srcset"),
    link(ORIGIN + "gone.png", "failed", error="HTTP 404"),
    link(ORIGIN + "pixel.gif", "skipped", error="1x1 tracking pixel"),
    link(ORIGIN + "later.png", "pending"),
]
LOOKUP = link_lookup(LINKS)


def test_archived_images_point_at_their_copy_and_nothing_else_changes() -> None:
    html = (f'<p class="x">one &amp; <b>two</b></p><figure><img src="{ORIGIN}a.png" '
            f'alt="A &quot;q&quot;" width="10"><figcaption>cap</figcaption></figure>'
            f'<img src="{ORIGIN}small.jpg">')
    out = rewrite_images(html, LOOKUP, href=href)
    assert out == (f'<p class="x">one &amp; <b>two</b></p><figure><img src="/media/{SHA_A}" '
                   f'alt="A &quot;q&quot;" width="10"><figcaption>cap</figcaption></figure>'
                   f'<img src="/media/{SHA_B}">')


@pytest.mark.parametrize("url,reason", [
    (ORIGIN + "gone.png", "HTTP 404"),
    (ORIGIN + "pixel.gif", "1x1 tracking pixel"),
    (ORIGIN + "later.png", "not downloaded yet"),
    (ORIGIN + "never-seen.png", "not in the archive"),
])
def test_not_archived_images_become_placeholders_with_alt_reason_and_origin(
    url: str, reason: str
) -> None:
    out = rewrite_images(f'<p><img src="{url}" alt="The &lt;river&gt;"></p>', LOOKUP, href=href)
    assert "<img" not in out
    tree = etree.HTML(out)
    span = tree.find(".//span[@class='media-missing']")
    assert span is not None
    assert span.get("title") == reason
    assert span.findtext("span[@class='media-missing-alt']") == "The <river>"
    origin = span.find("a")
    assert origin.get("href") == url and origin.get("rel") == "noopener noreferrer nofollow"
    assert origin.text == "image not archived — open original"
    assert f"({reason})" in "".join(span.itertext())


def test_hotlink_keeps_the_origin_image_for_what_is_not_archived() -> None:
    html = f'<img src="{ORIGIN}gone.png"><img src="{ORIGIN}a.png">'
    assert rewrite_images(html, LOOKUP, href=href, hotlink=True) == (
        f'<img src="{ORIGIN}gone.png"><img src="/media/{SHA_A}">')


def test_an_image_inside_a_link_gets_no_nested_link() -> None:
    out = rewrite_images(f'<a href="{ORIGIN}full"><img src="{ORIGIN}gone.png" alt="x"></a>', LOOKUP,
                         href=href)
    assert out.count("<a ") == 1 and "media-missing-note" in out


def test_video_poster_archived_or_dropped_and_origin_video_not_preloaded() -> None:
    html = f'<video src="{ORIGIN}v.mp4" poster="{ORIGIN}a.png" controls></video>'
    assert rewrite_images(html, LOOKUP, href=href) == (
        f'<video src="{ORIGIN}v.mp4" poster="/media/{SHA_A}" controls="" preload="none"></video>')
    html = f'<video src="{ORIGIN}v.mp4" poster="{ORIGIN}gone.png"></video>'
    assert rewrite_images(html, LOOKUP, href=href) == (
        f'<video src="{ORIGIN}v.mp4" preload="none"></video>')
    archived = link_lookup([link(ORIGIN + "v.mp4", sha=SHA_B, kind="enclosure")])
    assert rewrite_images(f'<audio src="{ORIGIN}v.mp4" controls></audio>', archived, href=href) == (
        f'<audio src="/media/{SHA_B}" controls=""></audio>')


def test_placeholder_words_in_the_readers_language() -> None:
    words = PlaceholderText(open_original="图片未存档——打开原图", unknown="不在存档中")
    out = rewrite_images(f'<img src="{ORIGIN}x.png">', LOOKUP, href=href, text=words)
    assert "图片未存档——打开原图" in out and "不在存档中" in out


def test_link_lookup_prefers_the_archived_link_for_a_src() -> None:
    lookup = link_lookup([
        link(ORIGIN + "s.jpg", "failed", error="HTTP 500"),
        link(ORIGIN + "l.jpg", sha=SHA_A, shown_as=ORIGIN + "s.jpg", kind="srcset"),
    ])
    found = lookup(ORIGIN + "s.jpg")
    assert found is not None and found.sha == SHA_A


def test_relative_and_odd_src_are_left_alone() -> None:
    html = '<img src="/local.png"><img><img src=""><p>&lt;img src="http://x/y"&gt;</p>'
    assert rewrite_images(html, LOOKUP, href=href) == html


def test_hostile_values_stay_inside_their_attributes() -> None:
    evil = ORIGIN + 'x.png?"><script>alert(1)</script>'
    raw = f'<img src="{evil.replace(chr(34), "&quot;")}" alt="&quot;&gt;&lt;script&gt;">'
    html = sanitize(raw)
    out = rewrite_images(html, LOOKUP, href=href)
    assert "<script" not in out
    assert sanitize(out.replace('class="', 'title="')) .count("<a ") == 1
    tree = etree.HTML(out)
    assert tree.find(".//a").get("href") == evil
    attacker = link_lookup([link(evil, sha=SHA_A)])
    out = rewrite_images(html, attacker, href=lambda s: f'/m/"{s}')
    assert 'src="/m/&quot;' in out


@pytest.mark.parametrize("html", [
    "<img", "<img src=", "<![if x]><img src='http://127.0.0.1:9/a.png'>", "<!--<img src=x>-->",
    "<img src='http://127.0.0.1:9/a.png'\n\n alt=x\r\n>", "<p>\r\n<img src=http://127.0.0.1:9/a.png>",
    "<svg><img src=http://127.0.0.1:9/a.png></svg>", "<img/src=http://127.0.0.1:9/a.png>",
    "\x00<img src=\ufffe>", "<video poster>", "<a><a><img src=http://127.0.0.1:9/a.png></a>",
])
def test_hostile_html_never_raises_and_never_keeps_an_origin_img(html: str) -> None:
    assert isinstance(rewrite_images(html, LOOKUP, href=href), str)
    out = rewrite_images(sanitize(html), LOOKUP, href=href)  # what is stored is sanitised
    tree = etree.HTML(out.encode("utf-8", "replace")) if out.strip() else None
    shown = [] if tree is None else [i.get("src") for i in tree.iter("img")]
    assert all(not (s or "").startswith("http") for s in shown), out


def test_cleaned_corpus_like_html_only_self_images_remain() -> None:
    raw = (f'<p>x</p><img src="{ORIGIN}a.png" alt="a"><img src="gone.png">'
           f'<div><img data-src="{ORIGIN}later.png" src="data:image/gif;base64,R0l"></div>'
           f'<video poster="{ORIGIN}a.png" src="{ORIGIN}v.mp4"></video>')
    cleaned = clean_entry(raw, base_url=ORIGIN, link=ORIGIN).html
    out = rewrite_images(cleaned, LOOKUP, href=href)
    srcs = re.findall(r'(?:src|poster)="([^"]*)"', out)
    assert srcs == [f"/media/{SHA_A}", f"/media/{SHA_A}", f"{ORIGIN}v.mp4"]
    assert out.count('class="media-missing"') == 2


def test_no_images_returns_the_same_string() -> None:
    html = "<p>plain</p>" * 100
    assert rewrite_images(html, LOOKUP, href=href) is html


# --- what the rewrite writes is itself sanitised HTML ----------------------------------


def _sanitiser_with_placeholders() -> object:
    """The cleaner's own allow-list plus what the rewrite adds: the placeholder's classes and
    ``preload`` on audio/video."""
    import nh3

    from feedvault.clean import sanitize as s

    attributes = {k: set(v) for k, v in s.ALLOWED_ATTRIBUTES.items()}
    attributes["span"] = {"class"}
    attributes["a"] = attributes["a"] | {"class"}
    attributes["video"] = attributes["video"] | {"preload"}
    attributes["audio"] = attributes["audio"] | {"preload"}
    return nh3.Cleaner(
        tags=set(s.ALLOWED_TAGS), clean_content_tags=set(s.DROPPED_WITH_CONTENT),
        attributes=attributes, url_schemes=set(s.URL_SCHEMES), link_rel=s.LINK_REL,
        strip_comments=True,
    )


def _hostile_and_corpus_bodies(corpus: object) -> list[str]:
    import sys
    from pathlib import Path

    from feedvault.parse import parse_feed

    assert isinstance(corpus, Path)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "clean"))
    from clean_vectors import VECTORS

    odd = ['<p title="a\u00a0b">x\u00a0"y" \'z\' &lt; &gt; &amp;</p>',
           f'<img src="{ORIGIN}q.png?a=1&amp;b=2" alt="\'s &quot;q&quot; \u00a0 &lt;b&gt;">',
           f'<a href="{ORIGIN}"><img src="{ORIGIN}in-link.png" alt="z"></a>',
           f'<video src="{ORIGIN}v.mp4" poster="{ORIGIN}p.png" controls></video>']
    bodies = [clean_entry(v + f'<img src="{ORIGIN}x.png" alt="{n}">', base_url=ORIGIN,
                          link=ORIGIN).html for n, v in enumerate([*VECTORS, *odd])]
    for path in sorted((corpus / "feeds").rglob("*.xml"))[:30]:
        for entry in parse_feed(path.read_bytes(), url=path.as_uri()).entries:
            cleaned = clean_entry(entry.content_html, base_url=entry.base_url or entry.link,
                                  link=entry.link).html
            if "<img" in cleaned or "<video" in cleaned:
                bodies.append(cleaned)
    return bodies


def test_rewritten_html_is_a_fixed_point_of_the_sanitiser(corpus: object) -> None:
    """Whatever the rewrite writes (archived src, placeholders, preload) is markup the
    sanitiser, given the placeholder's classes, leaves exactly as it is: nothing that was
    not sanitised gets into a page, from the hostile vectors or the corpus."""
    cleaner = _sanitiser_with_placeholders()
    archived = link_lookup([])
    everything = lambda url: link(url, sha=SHA_A)  # noqa: E731
    bodies = _hostile_and_corpus_bodies(corpus)
    assert len(bodies) > 100
    changed = 0
    for body in bodies:
        for lookup in (archived, everything):
            out = rewrite_images(body, lookup, href=href)
            assert cleaner.clean(out) == out, body  # type: ignore[attr-defined]
            changed += out != body
    assert changed >= len(bodies)
