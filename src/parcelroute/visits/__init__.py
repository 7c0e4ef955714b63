"""Family visit scheduling: the solver, the reasons for refusals and slot offers."""

from parcelroute.visits.solver import solve_visits

__all__ = ["solve_visits"]
