"""The suite runs Python's garbage collector as ``tests/conftest.py`` sets it (see there)."""

from __future__ import annotations

import gc
import weakref


def test_what_collection_made_is_frozen_and_young_objects_collected_as_by_default():
    assert gc.get_freeze_count() > 10_000  # the modules and objects that collection made
    assert gc.get_threshold()[0] == 700


def test_garbage_in_cycles_made_by_a_test_is_still_collected():
    class Node:
        pass

    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
