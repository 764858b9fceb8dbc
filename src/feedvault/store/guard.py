"""The one boundary for driver errors: a class decorator over every public store method.

Each method's driver error goes through the instance's ``_to_error`` (for the stores,
SqlStorage._to_error over the backend's dialect): what means the vault itself cannot go on
(disk full, read-only, corruption, the server gone) becomes VaultFault, a unique violation
and any other error of the data or the server becomes StorageError, so no bare
``sqlite3``/``psycopg`` error leaves a store. Errors that are no driver's (a bug, StaleBatch,
FeedNotFound) pass unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from feedvault.errors import FeedvaultError

T = TypeVar("T")


def _translated(self: Any, exc: Exception) -> Exception | None:
    to_error: Callable[[Exception], Exception | None] | None = getattr(self, "_to_error", None)
    return None if to_error is None else to_error(exc)


def translating(*, skip: tuple[str, ...] = ()) -> Callable[[T], T]:
    """Wrap every public method, inherited ones included (generators as generators), so that
    an error for which ``self._to_error(error)`` gives another raises that one instead."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
                try:
                    yield from func(self, *args, **kwargs)
                except FeedvaultError:
                    raise
                except Exception as exc:
                    found = _translated(self, exc)
                    if found is None:
                        raise
                    raise found from exc

            gen.__fv_guarded__ = True  # type: ignore[attr-defined]
            return gen

        @functools.wraps(func)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return func(self, *args, **kwargs)
            except FeedvaultError:
                raise
            except Exception as exc:
                found = _translated(self, exc)
                if found is None:
                    raise
                raise found from exc

        method.__fv_guarded__ = True  # type: ignore[attr-defined]
        return method

    def decorate(cls: T) -> T:
        for name in dir(cls):
            if name.startswith("_") or name in skip:
                continue
            member = inspect.getattr_static(cls, name)
            if inspect.isfunction(member) and not getattr(member, "__fv_guarded__", False):
                setattr(cls, name, wrap(member))
        return cls

    return decorate
