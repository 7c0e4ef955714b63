"""Rounding a proven bound of an integral objective to the integer it proves.

A solver's bound is a float computed with tolerances; the integer it proves is
the next integer in the safe direction once a small relative tolerance is
allowed, so that float noise on a large bound never rounds past the truth.
"""

from __future__ import annotations

import math

__all__ = ["TOLERANCE", "ceil_bound", "floor_bound"]

#: Relative tolerance allowed on a solver's bound before rounding.
TOLERANCE = 1e-6


def ceil_bound(bound: float) -> int:
    """The integer lower bound that a float lower bound proves.

    Examples
    --------
    >>> ceil_bound(71619.9999999), ceil_bound(71620.4)
    (71620, 71621)
    """
    return math.ceil(bound - TOLERANCE * max(1.0, abs(bound)))


def floor_bound(bound: float) -> int:
    """The integer upper bound that a float upper bound proves.

    Examples
    --------
    >>> floor_bound(2672.0000001), floor_bound(2672.6)
    (2672, 2672)
    """
    return math.floor(bound + TOLERANCE * max(1.0, abs(bound)))
