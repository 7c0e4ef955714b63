"""The network and the arrival rule."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from parcelroute.model.network import Network, exact
from parcelroute.model.scenario import Batch, Link, Node


def net(dwell: float = 12) -> Network:
    return Network(
        [Node("HUB", "hub"), Node("X", "crossing", 10, dwell), Node("F1"), Node("F2")],
        [Link("HUB", "X", 9.5), Link("X", "F1", 2.5), Link("F1", "F2", 30),
         Link("HUB", "F2", 100, directed=True)],
    )


def test_exact_decimal_values() -> None:
    assert exact(9.1) == Fraction(91, 10)
    assert exact(3) == Fraction(3)


def test_shortest_path_and_directed_links() -> None:
    n = net()
    assert n.hours("HUB", "F2") == Fraction(42)  # 9.5 + 2.5 + 30 beats the 100 h link
    assert n.hours("F2", "HUB") == Fraction(42)
    assert n.hours("HUB", "NOWHERE") is None


def test_arrival_lands_exactly_on_the_next_day() -> None:
    # 9.5 h to X, 12 h dwell, 2.5 h to F1: exactly 24 h after 00:00
    batch = Batch("B", "HUB", dt.date(2026, 12, 3), ("X", "F1"))
    assert net().arrival_dates(batch) == [dt.date(2026, 12, 3), dt.date(2026, 12, 4)]


def test_arrival_without_dwell_stays_on_the_same_day() -> None:
    batch = Batch("B", "HUB", dt.date(2026, 12, 3), ("X", "F1"))
    assert net(dwell=0).arrival_dates(batch) == [dt.date(2026, 12, 3), dt.date(2026, 12, 3)]


def test_decimal_hours_do_not_round_across_midnight() -> None:
    n = Network([Node("A"), Node("B"), Node("C"), Node("D")],
                [Link("A", "B", 9.1), Link("B", "C", 12.2), Link("C", "D", 2.7)])
    batch = Batch("B", "A", dt.date(2026, 12, 1), ("B", "C", "D"))
    assert n.arrival_dates(batch)[-1] == dt.date(2026, 12, 2)


def test_unreachable_stop_has_no_date() -> None:
    n = Network([Node("A"), Node("B"), Node("C")], [Link("A", "B", 1)])
    batch = Batch("B", "A", dt.date(2026, 12, 1), ("B", "C"))
    assert n.arrival_dates(batch) == [dt.date(2026, 12, 1), None]
