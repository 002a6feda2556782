"""A local folder's scan (core.storage.scan): from the last listing, it finds exactly what a new
walk would, with new, changed and gone files told apart, and reports odd entries every time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.storage import LocalStore, StoreError
from core.storage.scan import in_walk_order

LONG_AGO = 1_700_000_000  # an mtime the scan may trust: far from any listing
LATER = LONG_AGO + 60  # a folder changed since, and settled again


def _settle(root: Path, at: int = LONG_AGO) -> None:
    for dirpath, _, _ in os.walk(root):
        os.utime(dirpath, (at, at))


def _tree(root: Path) -> LocalStore:
    for key, text in {"job/a/1.json": "one", "job/a/2.json": "two", "job/b/3.json": "three",
                      "job/c/d/4.json": "four", "top.txt": "top"}.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _settle(root)
    return LocalStore(root)


def _keys(infos) -> list[str]:
    return sorted(info.key for info in infos)


def _walked(store: LocalStore, prefix: str = "") -> dict[str, str]:
    return {info.key: info.version for info in store.list(prefix)}


def test_a_first_scan_is_a_walk_and_a_second_finds_nothing(tmp_path):
    store = _tree(tmp_path)
    first = store.scan()
    assert {i.key: i.version for i in first.changed} == _walked(store)
    assert first.folders_read == 6  # the root, job, a, b, c, c/d
    again = store.scan(previous=first.listing)
    assert (again.changed, again.gone, again.folders_read) == ([], [], 0)
    assert again.listing.files.sort_by("key").equals(first.listing.files.sort_by("key"))


def test_a_file_rewritten_in_place_is_changed_even_with_its_size_and_folder_unchanged(tmp_path):
    store = _tree(tmp_path)
    listing = store.scan().listing
    one = tmp_path / "job/a/1.json"
    one.write_text("ONE")  # same size
    os.utime(one, ns=(LONG_AGO * 10**9 + 5, LONG_AGO * 10**9 + 5))
    _settle(tmp_path)
    found = store.scan(previous=listing)
    assert [(i.key, i.version) for i in found.changed] == [("job/a/1.json", f"3-{LONG_AGO * 10**9 + 5}")]
    assert found.folders_read == 0 and found.gone == []
    assert store.scan(previous=found.listing).changed == []  # the listing took the new version


def test_new_files_new_folders_and_deletions_are_found(tmp_path):
    store = _tree(tmp_path)
    listing = store.scan().listing
    (tmp_path / "job/a/5.json").write_text("five")  # a new file in a known folder
    (tmp_path / "job/e/f").mkdir(parents=True)  # a new tree
    (tmp_path / "job/e/f/6.json").write_text("six")
    (tmp_path / "job/e/7.json").write_text("seven")
    (tmp_path / "job/b/3.json").unlink()
    for gone in ("job/c/d/4.json", "job/c/d", "job/c"):  # a whole folder away
        (tmp_path / gone).unlink() if gone.endswith(".json") else (tmp_path / gone).rmdir()
    _settle(tmp_path, LATER)
    found = store.scan(previous=listing)
    assert _keys(found.changed) == ["job/a/5.json", "job/e/7.json", "job/e/f/6.json"]
    assert sorted(found.gone) == ["job/b/3.json", "job/c/d/4.json"]
    assert sorted(found.listing.files["key"].to_pylist()) == sorted(_walked(store))
    assert sorted(found.listing.folders["rel"].to_pylist()) == ["", "job", "job/a", "job/b", "job/e", "job/e/f"]


def test_a_folder_changed_just_now_is_read_again_even_if_its_mtime_looks_the_same(tmp_path):
    store = _tree(tmp_path)
    listing = store.scan().listing
    (tmp_path / "job/a/5.json").write_text("five")
    now = os.stat(tmp_path / "job/a").st_mtime_ns
    fresh = store.scan().listing  # seen within the coarse clock's step of its last change
    os.utime(tmp_path / "job/a", (LONG_AGO, LONG_AGO))  # its mtime back to what the listing saw ...
    assert store.scan(previous=listing).changed == []  # ... so a settled folder is trusted
    (tmp_path / "job/a/6.json").write_text("six")
    os.utime(tmp_path / "job/a", ns=(now, now))
    assert _keys(store.scan(previous=fresh).changed) == ["job/a/6.json"]


def _scan_telling(store: LocalStore, previous):
    skipped = []
    found = store.scan(on_skip=lambda key, reason: skipped.append((key, reason)), previous=previous)
    return found, sorted(skipped)


def test_a_fifo_and_a_broken_link_are_reported_on_every_scan_and_never_read(tmp_path):
    store = _tree(tmp_path)
    os.mkfifo(tmp_path / "job/a/pipe.json")
    (tmp_path / "job/b/link.json").symlink_to(tmp_path / "nowhere")
    _settle(tmp_path)
    listing = None
    for _ in range(2):  # a first scan, then one from its listing
        found, skipped = _scan_telling(store, listing)
        listing = found.listing
        assert skipped == [("job/a/pipe.json", "not a regular file (FIFO)"),
                           ("job/b/link.json", "broken symbolic link (its target does not exist)")]
        assert not {"job/a/pipe.json", "job/b/link.json"} & {i.key for i in found.changed}
    (tmp_path / "job/a/pipe.json").unlink()
    _settle(tmp_path, LATER)
    found, skipped = _scan_telling(store, listing)
    assert [key for key, _ in skipped] == ["job/b/link.json"] and found.gone == ["job/a/pipe.json"]


def test_a_scan_keeps_to_its_prefix_and_a_new_prefix_walks_again(tmp_path):
    store = _tree(tmp_path)
    first = store.scan("job/a")
    assert _keys(first.changed) == ["job/a/1.json", "job/a/2.json"]
    (tmp_path / "job/b/8.json").write_text("eight")
    (tmp_path / "job/a/9.json").write_text("nine")
    _settle(tmp_path, LATER)
    assert _keys(store.scan("job/a", previous=first.listing).changed) == ["job/a/9.json"]
    other = store.scan("job/b", previous=first.listing)  # another prefix's listing is no guide
    assert _keys(other.changed) == ["job/b/3.json", "job/b/8.json"]


def test_forgotten_keys_are_new_to_the_next_scan(tmp_path):
    store = _tree(tmp_path)
    listing = store.scan().listing.without({"job/a/2.json"})
    assert _keys(store.scan(previous=listing).changed) == ["job/a/2.json"]


@pytest.mark.parametrize("prefix", ["", "job/", "job/c/d/4"])
def test_the_listing_holds_what_a_walk_lists(tmp_path, prefix):
    store = _tree(tmp_path)
    listing = store.scan(prefix).listing
    assert sorted(listing.files["key"].to_pylist()) == sorted(_walked(store, prefix))


def test_a_source_folder_gone_is_an_error_not_every_file_gone(tmp_path):
    store = _tree(tmp_path / "bucket")
    listing = store.scan().listing
    (tmp_path / "bucket").rename(tmp_path / "elsewhere")
    with pytest.raises(StoreError, match="is not a folder"):
        store.scan(previous=listing)


def test_a_refreshed_listing_gives_its_files_in_the_walks_order(tmp_path):
    store = _tree(tmp_path)
    first = store.scan("")
    for key in ("job-2/x.json", "job/a/0.json", "job/b.json", "a.json", "job/c/d/e/5.json"):
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
    (tmp_path / "job/a/2.json").unlink()
    again = store.scan("", previous=first.listing)
    walked = [(info.key, info.version) for info in store.list("")]
    # Files before subfolders, names in order ("job" before "job-2", though "job-2/" sorts first by key).
    assert [(info.key, info.version) for info in in_walk_order(again.listing)] == walked
    assert [key for key, _ in walked][:3] == ["a.json", "top.txt", "job/b.json"]


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_walk_lists_in_os_walks_order_and_a_walk_left_halfway_closes_its_folders(tmp_path):
    store = _tree(tmp_path)
    expected = []
    for dirpath, dirnames, filenames in os.walk(tmp_path):
        dirnames.sort()
        rel = os.path.relpath(dirpath, tmp_path)
        expected += [name if rel == "." else f"{rel}/{name}" for name in sorted(filenames)]
    assert [info.key for info in store.list()] == expected
    before = _open_descriptors()
    walk = store.list()
    assert next(walk).key == "top.txt"
    assert [next(walk).key for _ in range(3)] == ["job/a/1.json", "job/a/2.json", "job/b/3.json"]
    assert _open_descriptors() > before  # job and job/b are open: each folder is read through its parent's
    walk.close()
    assert _open_descriptors() == before


def test_a_named_store_that_is_not_there_is_named_by_its_uri_not_its_path(tmp_path):
    """The demo gives its buckets' folders s3:// names: a bucket that is not there is said so by that
    name, and the server's folder never reaches a page."""
    store = LocalStore(tmp_path / "buckets" / "no-such-bucket", uri="s3://no-such-bucket")
    with pytest.raises(StoreError) as caught:
        list(store.list("out/"))
    assert str(caught.value) == "s3://no-such-bucket is not a folder: nothing is there"
    assert str(tmp_path) not in str(caught.value)


def test_a_listing_held_in_several_chunks_is_the_same_and_finds_nothing_new(tmp_path, monkeypatch):
    """The walk's listing becomes Arrow columns every few entries (core.storage.scan.Seen): cut into
    chunks of 2, it has every folder and file, in walk order, and a second scan finds nothing."""
    from core.storage import scan as scan_module

    store = _tree(tmp_path)
    whole = store.scan()
    monkeypatch.setattr(scan_module, "_CHUNK", 2)
    chunked = store.scan()
    assert chunked.listing.files.equals(whole.listing.files)
    assert chunked.listing.folders.equals(whole.listing.folders)
    assert (chunked.listing.files.num_rows, chunked.folders_read) == (5, 6)
    again = store.scan(previous=chunked.listing)
    assert (again.changed, again.gone, again.folders_read) == ([], [], 0)
