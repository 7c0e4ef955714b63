"""The transport network and the arrival rule of batches.

Travel times are held as exact fractions (``9.5`` hours is ``19/2``), so the
arrival date ``departs + floor(h / 24)`` never suffers from floating-point
rounding at a day boundary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cache, cached_property
from typing import TYPE_CHECKING

from parcelroute.model.scenario import Batch, Link, Node

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Network", "exact"]


def exact(value: float | int) -> Fraction:
    """The exact decimal value of a JSON number, as a fraction.

    ``exact(9.1)`` is ``91/10``, not the binary double nearest to 9.1.
    """
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


class Network:
    """Nodes and links, with shortest travel times between nodes.

    Parameters
    ----------
    nodes, links : sequence
        The scenario's nodes and links.

    Examples
    --------
    >>> from parcelroute import Link, Network, Node
    >>> net = Network([Node("A"), Node("B"), Node("C")],
    ...               [Link("A", "B", 9.5), Link("B", "C", 20)])
    >>> net.hours("C", "A")
    Fraction(59, 2)
    """

    def __init__(self, nodes: Sequence[Node], links: Sequence[Link]) -> None:
        self._nodes = tuple(nodes)
        self._links = tuple(links)
        self._dwell = {n.id: exact(n.dwell_hours) for n in nodes}
        self._lengths = cache(self._single_source)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The network as a directed graph, each edge's ``hours`` the shortest link's.

        Built (and NetworkX imported) on first use: a month of visits alone never
        needs it, and ``parcelroute solve``'s start-up counts towards its time limit.
        """
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(n.id for n in self._nodes)
        for link in self._links:
            hours = exact(link.hours)
            pairs = [(link.source, link.target)]
            if not link.directed:
                pairs.append((link.target, link.source))
            for u, v in pairs:
                old = graph.get_edge_data(u, v)
                if old is None or hours < old["hours"]:
                    graph.add_edge(u, v, hours=hours)
        return graph

    def _single_source(self, source: str) -> dict[str, Fraction]:
        import networkx as nx

        lengths: dict[str, Fraction] = nx.single_source_dijkstra_path_length(
            self.graph, source, weight="hours"
        )
        return lengths

    def hours(self, source: str, target: str) -> Fraction | None:
        """Shortest travel time from ``source`` to ``target``; ``None`` if unreachable."""
        if source not in self.graph or target not in self.graph:
            return None
        return self._lengths(source).get(target)

    def stop_hours(self, origin: str, stops: Sequence[str]) -> list[Fraction | None]:
        """Hours from departure to arriving at each stop, dwell at earlier stops included.

        An entry is ``None`` from the first stop that cannot be reached on.
        """
        out: list[Fraction | None] = []
        here, elapsed = origin, Fraction(0)
        for i, stop in enumerate(stops):
            leg = self.hours(here, stop)
            if leg is None:
                out.extend([None] * (len(stops) - i))
                break
            elapsed += leg
            out.append(elapsed)
            elapsed += self._dwell.get(stop, Fraction(0))
            here = stop
        return out

    def arrival_dates(self, batch: Batch) -> list[dt.date | None]:
        """Arrival date of ``batch`` at each of its stops (``None`` if unreachable)."""
        return [
            None if h is None else batch.departs + dt.timedelta(days=int(h // 24))
            for h in self.stop_hours(batch.origin, batch.stops)
        ]
