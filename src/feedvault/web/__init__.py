"""The web app: read, search, compare versions, subscribe to any view (Atom), administer."""

from __future__ import annotations

from feedvault.web.admin import set_admin_password
from feedvault.web.app import create_app, serve

__all__ = ["create_app", "serve", "set_admin_password"]
