"""The Examples of the public API run as a user would run them, from ``help()``.

The doctest run of ``make test`` gives each example its module's names; a user who
copies one after ``import parcelroute as pr`` has none of them. Each example of
an object exported by the package must therefore import what it uses.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

import parcelroute as pr


def _public_doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests: dict[str, doctest.DocTest] = {}
    for name in pr.__all__:
        obj = getattr(pr, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj)):
            continue
        for test in finder.find(obj, f"parcelroute.{name}", globs={}):
            if test.examples and not test.name.split(".")[-1].startswith("_"):
                tests.setdefault(test.name, test)
    return sorted(tests.values(), key=lambda t: t.name)


PUBLIC = _public_doctests()


def test_the_public_api_has_examples() -> None:
    names = {t.name for t in PUBLIC}
    for expected in ("parcelroute.solve", "parcelroute.verify", "parcelroute.Result",
                     "parcelroute.ScenarioBuilder", "parcelroute.Network"):
        assert expected in names


@pytest.mark.parametrize("test", PUBLIC, ids=[t.name for t in PUBLIC])
def test_a_public_example_runs_without_its_modules_names(test: doctest.DocTest) -> None:
    test.globs = {}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
