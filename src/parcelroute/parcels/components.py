"""Independent parts of a parcel problem.

Two parcels belong to the same part when a batch could carry both, when a
crossing's daily capacity that can bind counts both, or when a recipient
limit that can bind covers both, directly or through a chain of such links.
Parts share no rule, so a plan is optimal exactly when it is optimal on each
part: in particular every plan with the most delivered priority delivers the
most each part can. Solving each part on its own therefore gives each its own
first-level target for the second level (a stronger model than one target
over the sum), and keeps the branch and bound of one part from waiting on
another's gap.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt

from parcelroute.model.scenario import Scenario
from parcelroute.parcels.problem import ParcelProblem

__all__ = ["Part", "independent_parts", "part_scenario"]

IntArray = npt.NDArray[np.int64]

#: Parts smaller than this many options are solved together with other small parts
#: (in order of size), so that months of many tiny parts do not pay a solve for each.
MIN_PART_OPTIONS = 400


@dataclass(frozen=True)
class Part:
    """Parcels and batches (indices into the scenario, ascending) solved together."""

    parcels: IntArray
    batches: IntArray
    options: int


def _chain(nodes: IntArray) -> IntArray:
    """Edges (two rows) that connect ``nodes`` in a path."""
    return np.vstack([nodes[:-1], nodes[1:]])


def independent_parts(prob: ParcelProblem, min_options: int | None = None) -> list[Part]:
    """The independent parts of ``prob``, smallest first.

    Only parcels with at least one option and batches that some parcel can ride
    belong to a part; the others are left out of every part. Parts of fewer
    than ``min_options`` options (:data:`MIN_PART_OPTIONS` by default) are
    merged, in order of size, until they reach it.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="two hubs")
    >>> _ = b.add_node("N", kind="hub").add_node("S", kind="hub").add_node("F-1")
    >>> _ = b.add_link("N", "F-1", hours=5).add_link("S", "F-1", hours=5)
    >>> for hub in ("N", "S"):
    ...     _ = b.add_batch(f"B-{hub}", origin=hub, departs="2026-12-01", stops=["F-1"], cost=1)
    ...     _ = b.add_parcel(f"P-{hub}", origin=hub, destination="F-1", weight_kg=1, volume_l=1,
    ...                      ready="2026-12-01", due="2026-12-05")
    >>> s = b.build()
    >>> parts = independent_parts(ParcelProblem(s, Compatibility(s)), min_options=1)
    >>> [(p.parcels.tolist(), p.batches.tolist()) for p in parts]
    [([0], [0]), ([1], [1])]
    """
    if min_options is None:
        min_options = MIN_PART_OPTIONS
    pb = prob.pair_batch
    if len(pb) == 0:
        return []
    # a graph over the batches: each parcel's options, each crossing row's and each
    # recipient row's batches connected in a path (a path connects as a clique would)
    edges = [np.zeros((2, 0), np.int64)]
    starts, ends = prob.option_start[:-1], prob.option_start[1:]
    has = ends > starts  # parcels with options
    inner = np.ones(len(pb), bool)
    inner[starts[has]] = False  # the first option of each parcel starts no edge
    idx = np.flatnonzero(inner)
    edges.append(np.vstack([pb[idx - 1], pb[idx]]))
    for *_, pairs in prob.crossing_rows:
        edges.append(_chain(np.unique(pb[pairs])))
    for *_, parcels in prob.recipient_rows:
        ps = parcels[has[parcels]]
        edges.append(_chain(np.unique(pb[starts[ps]])))
    e = np.concatenate(edges, axis=1)
    nb = prob.num_batches
    key = np.unique(e.min(axis=0) * nb + e.max(axis=0))
    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(np.unique(pb).tolist())
    g.add_edges_from(zip((key // nb).tolist(), (key % nb).tolist(), strict=True))
    label = np.full(prob.num_batches, -1, np.int64)
    for k, comp in enumerate(nx.connected_components(g)):
        label[list(comp)] = k
    ncomp = int(label.max()) + 1
    parcel_label = np.full(prob.num_parcels, -1, np.int64)
    parcel_label[has] = label[pb[starts[has]]]
    options = np.bincount(label[pb], minlength=ncomp)
    groups: list[list[int]] = []
    size = 0
    for k in np.argsort(options, kind="stable").tolist():
        if not groups or size >= min_options:
            groups.append([])
            size = 0
        groups[-1].append(k)
        size += int(options[k])
    parts = []
    for group in groups:
        parcels = np.flatnonzero(np.isin(parcel_label, group))
        batches = np.flatnonzero(np.isin(label, group))
        parts.append(Part(parcels, batches, int(options[group].sum())))
    return parts


def part_scenario(scenario: Scenario, part: Part) -> Scenario:
    """The scenario of ``part``: its parcels and batches, everything else shared."""
    sub = dataclasses.replace(
        scenario,
        parcels=tuple(scenario.parcels[i] for i in part.parcels.tolist()),
        batches=tuple(scenario.batches[j] for j in part.batches.tolist()),
    )
    # the same nodes, links and detainees: keep what was computed of them (shortest paths)
    for name in ("network", "node_by_id", "detainee_by_id"):
        sub.__dict__[name] = getattr(scenario, name)
    return sub
