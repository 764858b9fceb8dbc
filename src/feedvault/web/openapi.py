"""The OpenAPI 3.1 document of the JSON API, written by hand: the API is small and stable."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_INT = {"type": "integer"}

FEED = {"type": "object", "required": ["slug", "name", "entry_count", "status"], "properties": {
    "slug": _STR, "name": _STR, "url": _NSTR, "site_url": _NSTR, "entry_count": _INT,
    "status": {"enum": ["ok", "error", "gone", "paused"]}, "last_updated": _TIME,
    "last_error": _NSTR, "added_at": _TIME}}
MEDIA = {"type": "object", "required": ["url", "kind", "state", "href"], "properties": {
    "url": {"type": "string", "description": "the origin URL that is (to be) archived"},
    "kind": {"enum": ["img", "srcset", "source", "poster", "enclosure", "page"]},
    "state": {"enum": ["pending", "ok", "failed", "skipped"]},
    "href": {"type": ["string", "null"],
             "description": "the archived copy on this server (/media/<sha256>), null unless ok"}}}
_MEDIA_LIST = {"type": "array", "items": {"$ref": "#/components/schemas/Media"},
               "description": "the images this version shows and their archived copies"}
ENTRY = {"type": "object", "required": ["id", "feed", "title", "published"], "properties": {
    "id": _INT, "feed": _STR, "title": _STR, "link": _NSTR, "author": _NSTR,
    "published": _TIME, "published_source": _STR, "updated": _TIME, "first_seen": _TIME,
    "last_seen": _TIME, "version_count": _INT,
    "content_html": {"type": "string", "description": "sanitised HTML"},
    "media": {**_MEDIA_LIST, "description": "the current version's images (one entry only, "
              "not in listings)"},
    "marks": {"$ref": "#/components/schemas/Marks"}}}
MARKS = {"type": "object", "description": "edits and disappearance noticed (/api/changes has "
         "each with its evidence)", "properties": {
             "edits": {"type": "integer", "description": "how many times it was edited"},
             "last_edit": _TIME,
             "gone_since": {"type": ["string", "null"], "format": "date-time",
                            "description": "gone from the feed or the origin since; null "
                            "while it is there"},
             "gone_how": {"enum": ["feed", "origin", None]},
             "evidence": {"type": "string", "description": "the entry page's list of marks"}}}
VERSION = {"type": "object", "required": ["seq", "seen_at", "title"], "properties": {
    "seq": _INT, "seen_at": _TIME, "title": _STR, "link": _NSTR, "source": _STR,
    "content_hash": _STR, "content_html": _STR, "text": _STR,
    "raw_html": {"type": "string", "description": "as received; only with ?raw=1"},
    "media": _MEDIA_LIST}}
CHANGE = {"type": "object", "required": ["kind", "entry", "feed", "title", "at", "evidence"],
          "properties": {
              "kind": {"enum": ["edit", "gone", "back"]}, "entry": _INT, "feed": _STR,
              "title": _STR, "at": {"type": "string", "format": "date-time"},
              "evidence": {"type": "object", "description": "how it was noticed (how: feed or "
                           "origin) and what showed it", "properties": {
                               "how": {"enum": ["feed", "origin"]}}}}}
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "status": _INT, "message": _STR}}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": schema}}},
            "404": {"description": "not found",
                    "content": {"application/json": {"schema": _ref("Error")}}}}


def _param(name: str, where: str, schema: dict[str, Any], required: bool = False
           ) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema}


_SLUG = _param("slug", "path", _STR)
_ID = _param("entry_id", "path", _INT)
_PAGE = [_param("limit", "query", _INT), _param("offset", "query", _INT)]


def _paths() -> dict[str, Any]:
    listing = {"type": "object", "properties": {"feeds": {"type": "array", "items": _ref("Feed")}}}
    entries = {"type": "object", "properties": {
        "feed": _STR, "offset": _INT, "limit": _INT, "has_next": {"type": "boolean"},
        "entries": {"type": "array", "items": _ref("Entry")}}}
    versions = {"type": "object", "properties": {
        "entry": _INT, "versions": {"type": "array", "items": _ref("Version")}}}
    hits = {"type": "object", "properties": {
        "query": _STR, "page": _INT, "has_next": {"type": "boolean"},
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "entry": _ref("Entry"),
            "score": {"type": "number",
                      "description": "bm25 rank with sort=relevance (higher is better); 0 newest"},
            "snippet": {"type": "string", "description": "escaped HTML with <mark>"}}}}}}
    search_params = [_param("q", "query", _STR, True), _param("feed", "query", _STR),
                     _param("since", "query", {"type": "string", "format": "date"}),
                     _param("until", "query", {"type": "string", "format": "date"}),
                     _param("sort", "query", {"enum": ["newest", "relevance"]}),
                     _param("page", "query", _INT), _param("limit", "query", _INT)]
    return {
        "/api/feeds": {"get": {"summary": "All feeds", "responses": _ok(listing)}},
        "/api/feeds/{slug}": {"get": {"summary": "One feed", "parameters": [_SLUG],
                                      "responses": _ok(_ref("Feed"))}},
        "/api/feeds/{slug}/entries": {"get": {
            "summary": "A feed's entries, newest first", "parameters": [_SLUG, *_PAGE],
            "responses": _ok(entries)}},
        "/api/entries/{entry_id}": {"get": {"summary": "One entry (current version)",
                                            "parameters": [_ID], "responses": _ok(_ref("Entry"))}},
        "/api/entries/{entry_id}/versions": {"get": {
            "summary": "Every version of an entry, oldest first",
            "parameters": [_ID, _param("raw", "query", {"type": "boolean"})],
            "responses": _ok(versions)}},
        "/api/changes": {"get": {
            "summary": "Edits, disappearances and returns, newest first",
            "parameters": [_param("kind", "query", {"enum": ["edit", "gone", "back"]}),
                           _param("feed", "query", _STR),
                           _param("since", "query", {"type": "string", "format": "date"}),
                           _param("limit", "query", _INT)],
            "responses": {**_ok({"type": "array", "items": _ref("Change")}), "501": {
                "description": "this storage backend does not record changes yet",
                "content": {"application/json": {"schema": _ref("Error")}}}}}},
        "/media/{sha}": {"get": {
            "summary": "An archived file (image, enclosure, page snapshot) by its sha256",
            "parameters": [_param("sha", "path", {"type": "string",
                                                  "pattern": "^[0-9a-f]{64}$"})],
            "responses": {
                "200": {"description": "the bytes, with the type sniffed when stored; "
                        "ETag is the sha, cached for a year (immutable)",
                        "content": {"*/*": {"schema": {"type": "string",
                                                       "format": "binary"}}}},
                "304": {"description": "If-None-Match named this file"},
                "404": {"description": "no such file"}}}},
        "/api/search": {"get": {"summary": "Search entries", "parameters": search_params,
                                "responses": {**_ok(hits), "400": {
                                    "description": "bad query",
                                    "content": {"application/json": {
                                        "schema": _ref("Error")}}}}}},
    }


def openapi_document(server: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "feedvault", "version": "1",
                 "description": "Read-only access to a feedvault archive."},
        "servers": [{"url": server}],
        "paths": _paths(),
        "components": {
            "schemas": {"Feed": FEED, "Entry": ENTRY, "Version": VERSION, "Change": CHANGE,
                        "Media": MEDIA, "Marks": MARKS, "Error": ERROR},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
    }
