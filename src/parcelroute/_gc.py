"""Building many objects at once without the cyclic garbage collector's passes.

Python's collector runs each time enough new container objects have been made,
and its full passes go over every object alive. Reading a scenario of 200,000
parcels makes over a million dicts, lists and records (none of them garbage),
and the passes took about a quarter of that reading; building the greedy
plans' index of 900,000 options, about three quarters of it. :func:`paused`
holds the collector back for such a step only: steps that run solvers keep it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Hold the cyclic garbage collector back while the block runs.

    It is enabled again afterwards only if it was enabled before (a collector
    that the caller disabled stays disabled). Reference counting still frees
    every object that is not part of a cycle meanwhile.

    Examples
    --------
    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
