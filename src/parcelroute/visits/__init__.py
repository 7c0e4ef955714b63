"""Family visit scheduling: the solver, the reasons for refusals and slot offers.

:func:`solve_visits` plans the visit half of a scenario (it is called by
:func:`parcelroute.solve`); :func:`offer_slots` proposes sessions to a family
in a solved plan.
"""

from parcelroute.visits.offer import PlanMismatchError, SlotOffer, UnknownRequestError, offer_slots
from parcelroute.visits.solver import solve_visits

__all__ = [
    "PlanMismatchError",
    "SlotOffer",
    "UnknownRequestError",
    "offer_slots",
    "solve_visits",
]
