"""The compact read state against a plain model (a set of read entry ids per user): random
sequences of marks, arrivals and edits, on both backends, compared after every step."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from store_kit import T0, batch, later, new_entry, spec, version

from feedvault.vault import Vault

PW = "a long enough secret"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_marks_agree_with_a_plain_model(vault: Vault, seed: int) -> None:
    rng = random.Random(seed)
    feeds = ["a", "b", "c"]
    for slug in feeds:
        vault.store.add_feed(spec(slug))
    vault.users.add("u", PW)
    vault.users.set_options("u", unread_on_edit=True)
    for i, slug in enumerate(feeds):
        vault.users.follow("u", slug, folder="X" if i < 2 else "")
    read: set[int] = set()  # the model: entries of followed feeds that are read
    feed_of: dict[int, str] = {}
    published: dict[int, int] = {}
    n = 0
    for step in range(40):
        op = rng.choice(["arrive", "arrive", "read", "unread", "feed", "folder", "before",
                         "upto", "edit", "all"])
        ids = sorted(feed_of)
        if op == "arrive" or not ids:
            slug = rng.choice(feeds)
            feed = vault.feed(slug)
            count = rng.randint(1, 4)
            hours = [rng.randint(0, 200) for _ in range(count)]  # out of order on purpose
            vault.store.apply_update(feed.id, batch(later(step), new=[
                new_entry(f"{slug}{n + k}", published=T0 + timedelta(hours=h))
                for k, h in enumerate(hours)]))
            n += count
            for e in vault.store.list_entries(feed.id, limit=None):
                if e.id not in feed_of:
                    feed_of[e.id] = slug
                    published[e.id] = hours[int(e.key[len(slug):]) - (n - count)]
        elif op in ("read", "unread"):
            pick = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
            vault.users.mark_read("u", pick, read=op == "read")
            read = read | set(pick) if op == "read" else read - set(pick)
        elif op == "feed":
            slug = rng.choice(feeds)
            vault.users.mark_feed_read("u", slug)
            read |= {i for i, f in feed_of.items() if f == slug}
        elif op == "folder":
            vault.users.mark_folder_read("u", "X")
            read |= {i for i, f in feed_of.items() if f in ("a", "b")}
        elif op == "all":
            vault.users.mark_all_read("u")
            read |= set(feed_of)
        elif op == "before":
            hour = rng.randint(0, 200)
            vault.users.mark_all_read("u", before=T0 + timedelta(hours=hour))
            read |= {i for i in feed_of if published[i] < hour}
        elif op == "upto":
            slug = rng.choice(feeds)
            upto = rng.choice(ids)
            vault.users.mark_feed_read("u", slug, upto_id=upto)
            read |= {i for i, f in feed_of.items() if f == slug and i <= upto}
        else:  # an edit: unread again (the user asked for it)
            entry = rng.choice(ids)
            feed = vault.feed(feed_of[entry])
            vault.store.apply_update(feed.id, batch(later(step), changed=[
                (entry, version(f"edited {step}", f"text {step}"), None)]))
            read.discard(entry)
        flags = vault.users.unread("u", sorted(feed_of))
        want = {i: i not in read for i in feed_of}
        assert flags == want, (step, op)
        counts = vault.users.unread_counts("u")
        assert counts == {s: sum(1 for i, f in feed_of.items() if f == s and i not in read)
                          for s in feeds}, (step, op)
        river = vault.users.river("u", limit=1000).items
        assert {i.entry_id for i in river} == {i for i in feed_of if i not in read}, (step, op)
