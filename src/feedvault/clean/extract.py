"""Full text for feeds that carry only a summary: pull the article out of its web page.

With a CSS selector (a per-feed setting, e.g. ``div.post-content`` for China Digital Times,
as duty-machine did) the matching elements are the article. Without one, trafilatura, a
maintained extractor, finds the main content. The result is raw article HTML that then goes
through ``clean_entry`` with ``base_url=url`` like any feed body, so relative links and site
rules are handled in one place. trafilatura is imported only when needed: it is heavy.
"""

from __future__ import annotations

from typing import Final

import lxml.html
from cssselect import SelectorError
from lxml import etree

from feedvault.errors import UsageError

_UTF8_PARSER: Final = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)


def extract_article(page_html: bytes | str, *, url: str, selector: str | None = None) -> str | None:
    """The article's HTML from ``page_html`` (fetched from ``url``), or None if none is found."""
    if not page_html:
        return None
    if selector:
        return _by_selector(page_html, selector, url)
    return _by_extractor(page_html, url)


def _parse_page(page_html: bytes | str) -> lxml.html.HtmlElement | None:
    data = page_html.encode("utf-8", "replace") if isinstance(page_html, str) else page_html
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # not UTF-8: let libxml2 follow the page's <meta charset>
        utf8 = False
    else:
        utf8 = True
    try:
        if utf8:
            return lxml.html.document_fromstring(data, parser=_UTF8_PARSER)
        return lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return None


def _by_selector(page_html: bytes | str, selector: str, url: str) -> str | None:
    root = _parse_page(page_html)
    if root is None:
        return None
    try:
        found = root.cssselect(selector)
    except SelectorError as exc:
        raise UsageError(f"article selector {selector!r} for {url}: {exc}") from exc
    outermost = [el for el in found if not any(a in found for a in el.iterancestors())]
    if not outermost:
        return None
    return "".join(lxml.html.tostring(el, encoding="unicode", with_tail=False) for el in outermost)


def _by_extractor(page_html: bytes | str, url: str) -> str | None:
    try:
        import trafilatura
    except ImportError as exc:
        raise UsageError(
            "full-text extraction without a selector needs the fulltext extra: "
            "pip install 'feedvault[fulltext]'"
        ) from exc
    try:
        result = trafilatura.extract(
            page_html,
            url=url,
            output_format="html",
            include_images=True,
            include_links=True,
            include_tables=True,
            include_comments=False,
            favor_precision=True,
        )
    except ImportError as exc:  # its own lazy imports (jusText needs lxml_html_clean)
        raise UsageError(
            f"full-text extraction is not installed completely ({exc.name or exc}): "
            "pip install 'feedvault[fulltext]'"
        ) from exc
    return result if isinstance(result, str) and result.strip() else None
