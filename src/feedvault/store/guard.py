"""One boundary for driver errors: a class decorator that turns a store's faults into VaultFault.

Each backend says which of its driver's errors mean the vault itself cannot go on (disk full,
read-only, corruption, the server gone); every public method of the store is wrapped, so
callers never see those driver errors, only VaultFault, and keep the others (a unique
violation, a cancelled query) to handle per feed as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from feedvault.errors import VaultFault

T = TypeVar("T")
ToFault = Callable[[Any, Exception], "VaultFault | None"]


def translating(to_fault: ToFault, *, skip: tuple[str, ...] = ()) -> Callable[[T], T]:
    """Wrap every public method (generators as generators) so that an error for which
    ``to_fault(store, error)`` gives a VaultFault raises that fault instead."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
                try:
                    yield from func(self, *args, **kwargs)
                except VaultFault:
                    raise
                except Exception as exc:
                    found = to_fault(self, exc)
                    if found is None:
                        raise
                    raise found from exc

            return gen

        @functools.wraps(func)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return func(self, *args, **kwargs)
            except VaultFault:
                raise
            except Exception as exc:
                found = to_fault(self, exc)
                if found is None:
                    raise
                raise found from exc

        return method

    def decorate(cls: T) -> T:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or name in skip:
                continue
            if inspect.isfunction(member):
                setattr(cls, name, wrap(member))
        return cls

    return decorate
