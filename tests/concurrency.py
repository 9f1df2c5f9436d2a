"""Running the same work in several threads released together, to try a race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def all_at_once(work: Callable[[int], T], count: int) -> list[T | Exception]:
    """Run ``work(index)`` in ``count`` threads released together by a barrier.

    Returns each thread's result, or the exception it raised, by index, so that the caller's
    assertion reports what went wrong in any thread."""
    barrier = threading.Barrier(count)
    results: list[T | Exception] = [RuntimeError("never ran")] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001  (reported by the caller's assertion)
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
