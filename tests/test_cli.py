"""The ``parcelroute`` command line."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

from parcelroute.cli import main, run


def tiny() -> dict[str, Any]:
    return {
        "format": "parcelroute-scenario/1",
        "name": "cli",
        "network": {"nodes": [{"id": "HUB", "kind": "hub"}, {"id": "F"}],
                    "links": [{"from": "HUB", "to": "F", "hours": 30}]},
        "parcels": [
            {"id": f"P{i}", "origin": "HUB", "destination": "F", "weight_kg": 4,
             "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-05"}
            for i in range(3)
        ],
        "batches": [
            {"id": "B1", "origin": "HUB", "departs": "2026-12-01", "stops": ["F"],
             "max_weight_kg": 10, "cost": 5},
            {"id": "B2", "origin": "HUB", "departs": "2026-12-02", "stops": ["F"],
             "max_weight_kg": 10, "cost": 7},
        ],
    }


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(tiny()))
    return path


def test_solve_then_verify(scenario_file: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    assert main(["solve", str(scenario_file), "-o", str(plan), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "status: optimal" in out and "3 of 3 delivered" in out
    data = json.loads(plan.read_text())
    assert data["format"] == "parcelroute-plan/1"
    assert data["objective"]["batch_cost"] == 12
    assert [p["id"] for p in data["parcels"]] == ["P0", "P1", "P2"]
    assert main(["verify", str(scenario_file), str(plan)]) == 0
    assert "keeps every rule" in capsys.readouterr().out


def test_verify_reports_a_broken_plan(scenario_file: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    main(["solve", str(scenario_file), "-o", str(plan), "-q"])
    data = json.loads(plan.read_text())
    for p in data["parcels"]:
        p["batch"], p["arrives"] = "B1", "2026-12-02"
    plan.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(scenario_file), str(plan)]) == 1
    assert "B1" in capsys.readouterr().out


def test_invalid_scenario_exits_2_naming_item_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny()
    data["parcels"][1]["due"] = "2026-11-30"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert "parcels[1].due" in err and "parcel 'P1'" in err and "2026-11-30" in err
    assert "Traceback" not in err
    assert not (tmp_path / "plan.json").exists()


def test_half_of_a_surrogate_pair_exits_2_naming_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An id escaping half of a surrogate pair alone (no character) is refused before the
    solve, where writing the plan would fail."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tiny()).replace('"P1"', '"P\\udfff"', 1))
    assert main(["solve", str(path), "-o", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert "parcels[1].id" in err and "\\udfff" in err and "Traceback" not in err
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("content", ["", "not json", "[]", "{\"format\": 3}"])
def test_unreadable_scenarios_exit_2(tmp_path: Path, content: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    assert main(["verify", str(path), str(path)]) == 2
    assert "error" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(tmp_path / "nope.json"), "-o", str(tmp_path / "p.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_arguments_exit_2(scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(scenario_file), "-o", "p.json", "--time-limit", "-1"]) == 2
    assert "greater than or equal to 0" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_generate_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["generate", "--parcels", "50", "--visits", "10", "--seed", "4", "-o", str(a)]) == 0
    assert main(["generate", "--parcels", "50", "--visits", "10", "--seed", "4", "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert len(json.loads(a.read_text())["parcels"]) == 50


def test_console_script_shows_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{")
    proc = subprocess.run([sys.executable, "-m", "parcelroute", "solve", str(path), "-o",
                           str(tmp_path / "p.json")], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "valid JSON" in proc.stderr


def test_offer_lists_sessions_for_a_refused_request(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = {
        "format": "parcelroute-scenario/1",
        "network": {"nodes": [{"id": "F"}]},
        "detainees": [{"id": "D1", "facility": "F"}, {"id": "D2", "facility": "F"}],
        "sessions": [
            {"id": "S1", "facility": "F", "date": "2026-12-05", "start": "10:00",
             "end": "12:00", "capacity": 1},
            {"id": "S2", "facility": "F", "date": "2026-12-06", "start": "10:00",
             "end": "12:00", "capacity": 1},
        ],
        "visit_requests": [
            {"id": "V1", "detainee": "D1", "priority": 3,
             "available": [{"from": "2026-12-05", "to": "2026-12-06"}]},
            {"id": "V2", "detainee": "D2", "available": [{"from": "2026-12-05", "to": "2026-12-05"}]},
        ],
    }
    scenario, plan = tmp_path / "s.json", tmp_path / "p.json"
    scenario.write_text(json.dumps(data))
    assert main(["solve", str(scenario), "-o", str(plan), "-q"]) == 0
    capsys.readouterr()
    assert main(["offer", str(scenario), str(plan), "V1", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. S") and "F on 2026-12-0" in out
    assert main(["offer", str(scenario), str(plan), "V-404"]) == 2
    assert "V-404" in capsys.readouterr().err
    # a plan without the month's visits (another scenario's) is refused, not offered from
    other = json.loads(plan.read_text())
    other["visits"] = [v for v in other["visits"] if v["id"] != "V2"]
    plan.write_text(json.dumps(other))
    assert main(["offer", str(scenario), str(plan), "V1"]) == 2
    err = capsys.readouterr().err
    assert "got a plan without 1 of them ('V2') instead" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["solve", "verify", "generate", "offer"])
def test_every_command_describes_its_arguments(command: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(("positional", "options")))
    for k, line in enumerate(lines[start:], start):
        argument = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and argument:
            # an argument's line has its help on it, or on the line after it
            words = argument.split("  ")
            assert len([w for w in words if w.strip()]) > 1 or lines[k + 1].startswith(
                " " * 10), f"{command}: {argument!r} has no help"


def test_progress_reports_never_carry_infinite_values() -> None:
    from parcelroute.options import Progress, SolveOptions

    seen: list[Progress] = []
    SolveOptions(callback=seen.append).report(Progress("p", 1.0, 5.0, float("inf")))
    SolveOptions(callback=seen.append).report(Progress("p", 1.0, float("-inf"), 3.0))
    assert (seen[0].incumbent, seen[0].bound) == (5.0, None)
    assert (seen[1].incumbent, seen[1].bound) == (None, 3.0)


# -- bad input always exits 2 with a clear message, never 3 --------------------------
def solved_plan(scenario_file: Path, tmp_path: Path) -> Path:
    plan = tmp_path / "plan.json"
    assert main(["solve", str(scenario_file), "-o", str(plan), "-q"]) == 0
    return plan


def test_unreadable_plan_files_exit_2(scenario_file: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    good = solved_plan(scenario_file, tmp_path).read_text()
    bad = tmp_path / "bad_plan.json"
    cases: list[tuple[bytes, str]] = [
        (good.replace('"scenario"', '"sc\xe9nario"').encode("latin-1"),
         "it is not UTF-8 text (byte 0xe9 at offset"),
        (("[" * 100_000).encode(), "nested 100000 levels deep"),
        (good.replace('"solve_seconds": ', '"solve_seconds": 1' + "0" * 5000 + ", \"x\": ").encode(),
         "more than 4300 digits"),
        (re.sub(r'"parcels": \d+', '"parcels": NaN', good, count=1).encode(),
         "NaN, which is not a JSON number"),
        (re.sub(r'"parcels": \d+', '"parcels": 1e309', good, count=1).encode(),
         "numbers below about 1e308"),
    ]
    for content, words in cases:
        bad.write_bytes(content)
        for command in (["verify", str(scenario_file), str(bad)],
                        ["offer", str(scenario_file), str(bad), "V1"]):
            capsys.readouterr()
            assert main(command) == 2, (command, words)
            err = capsys.readouterr().err
            assert words in err and "internal error" not in err, err
    capsys.readouterr()
    assert main(["verify", str(scenario_file), str(tmp_path)]) == 2
    assert f"cannot read the plan file '{tmp_path}': it is a directory." in capsys.readouterr().err


def test_values_beyond_the_limits_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny()
    data["batches"][0]["cost"] = 1e30
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(tmp_path / "p.json"), "-q"]) == 2
    assert ("The 'cost' of batch 'B1' must be a number between 0 and 1e12; got 1e+30 instead."
            in capsys.readouterr().err)


def test_a_scenario_at_the_limits_solves_and_verifies(tmp_path: Path) -> None:
    data = tiny()
    data["network"]["nodes"][0]["dwell_hours"] = 1e5
    data["network"]["links"].append({"from": "F", "to": "HUB", "hours": 1e5, "directed": True})
    data["defaults"] = {"max_parcels_per_detainee": 10**9, "max_weight_kg_per_detainee": 1e9}
    for i, p in enumerate(data["parcels"]):
        p.update(weight_kg=1e9 if i else 0.0001, volume_l=1e9, priority=10**9)
    for i, b in enumerate(data["batches"]):
        b.update(max_weight_kg=1e9, max_volume_l=1e9, max_parcels=10**9,
                 cost=1e12 if i else 0.000001)
    path, plan = tmp_path / "s.json", tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(plan), "-q", "--time-limit", "5"]) == 0
    assert main(["verify", str(path), str(plan)]) == 0


def test_a_batch_on_the_last_date_there_is(tmp_path: Path) -> None:
    data = tiny()
    data["network"]["links"][0]["hours"] = 5
    for p in data["parcels"]:
        p.update(ready="9999-12-30", due="9999-12-31")
    data["batches"][0]["departs"] = "9999-12-31"
    path, plan = tmp_path / "s.json", tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(plan), "-q"]) == 0
    assert main(["verify", str(path), str(plan)]) == 0
    data["network"]["links"][0]["hours"] = 24  # the stop would be reached in the year 10000
    path.write_text(json.dumps(data))
    assert main(["verify", str(path), str(plan)]) == 2


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--workers", "99999999999999999999", "a whole number between 1 and 64"),
    ("--workers", "0", "a whole number between 1 and 64"),
    ("--seed", "-1", "a whole number between 0 and 2147483647"),
    ("--seed", str(2**31), "a whole number between 0 and 2147483647"),
    ("--time-limit", "inf", "a finite number greater than or equal to 0"),
    ("--gap", "nan", "a finite number greater than or equal to 0"),
])
def test_solver_arguments_out_of_range_exit_2(scenario_file: Path, tmp_path: Path, option: str,
                                              value: str, words: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    command = ["solve", str(scenario_file), "-o", str(tmp_path / "p.json"), f"{option}={value}"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"argument {option}: must be {words}; got '{value}' instead" in err


def test_the_output_is_checked_before_solving(scenario_file: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    def no_solving(*args: object, **kwargs: object) -> None:
        raise AssertionError("solve() ran before the output was checked")

    monkeypatch.setattr(importlib.import_module("parcelroute.solve"), "solve", no_solving)
    for output, words in ((str(tmp_path), "it is a directory."),
                          ("", "-o must name the plan file to write; got '' instead."),
                          (str(tmp_path / "nope" / "p.json"), "does not exist.")):
        assert main(["solve", str(scenario_file), "-o", output, "-q"]) == 2
        err = capsys.readouterr().err
        assert words in err and "-o" in err, err


def test_verify_warns_when_the_plan_was_made_for_another_scenario(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = solved_plan(scenario_file, tmp_path)
    data = json.loads(plan.read_text())
    data["scenario"] = "January"
    plan.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(scenario_file), str(plan)]) == 0
    captured = capsys.readouterr()
    assert (f"warning: the plan '{plan}' names the scenario \"January\", but the scenario in "
            f"'{scenario_file}' is named \"cli\"; check that the plan was made for this scenario."
            in captured.err)
    assert "keeps every rule" in captured.out


@pytest.mark.parametrize(("change", "rule"), [
    (lambda d: d["gap"].update(batch_cost=0.5), "objective_gap [batch_cost]"),
    (lambda d: d.pop("solve_seconds"), "solve_seconds"),
])
def test_verify_checks_what_the_plan_file_states_beyond_its_records(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        change: Any, rule: str) -> None:
    """Binds: a stated gap its value and bound do not give, a plan without its time;
    slack: the plan as written."""
    plan = solved_plan(scenario_file, tmp_path)
    capsys.readouterr()
    assert main(["verify", str(scenario_file), str(plan)]) == 0
    data = json.loads(plan.read_text())
    change(data)
    plan.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(scenario_file), str(plan)]) == 1
    assert capsys.readouterr().out.startswith(rule)


def test_generate_refuses_an_empty_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.json"
    assert main(["generate", "--parcels", "5", "--seed", "1", "--name", " ", "-o", str(out)]) == 2
    assert "--name must be a non-empty scenario name; got ' ' instead." in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("option", "value"), [("--parcels", "-1"), ("--visits", "20000001")])
def test_generate_refuses_counts_out_of_range(tmp_path: Path, option: str, value: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.json"
    args = ["generate", "--parcels", "5", "--seed", "1", "-o", str(out), option, value]
    assert main(args) == 2
    assert f"{option} must be a whole number between 0 and 20,000,000; got {value} instead." \
        in capsys.readouterr().err
    assert not out.exists()


class _ExitedError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _exit_spy(code: int) -> NoReturn:
    raise _ExitedError(code)


def test_the_command_ends_with_os_exit_once_its_output_is_flushed(
        scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """After a solve whose HiGHS runs all returned, the command still ends with
    ``os._exit`` and its status: the interpreter's clean-up (0.1-0.2 s after a solve)
    does not run past ``--time-limit``; the plan and the summary are out before."""
    out = tmp_path / "plan.json"
    monkeypatch.setattr(sys, "argv", ["parcelroute", "solve", str(scenario_file), "-o", str(out),
                                      "--time-limit", "5", "-q"])
    monkeypatch.setattr("parcelroute.cli.os._exit", _exit_spy)
    with pytest.raises(_ExitedError) as stop:
        run()
    assert stop.value.code == 0
    assert json.loads(out.read_text())["status"] == "optimal"
    assert "plan written to" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["parcelroute", "verify", str(scenario_file),
                                      str(tmp_path / "missing.json")])
    with pytest.raises(_ExitedError) as stop:
        run()
    assert stop.value.code == 2
    assert "missing.json" in capsys.readouterr().err


class _ClosedPipe(io.StringIO):
    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_the_command_keeps_its_status_when_its_output_pipe_is_closed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard output closed by the reader (``parcelroute ... | head -1``): the flush
    before the exit fails, and the command still ends with its own status, without
    a traceback."""
    monkeypatch.setattr(sys, "argv", ["parcelroute", "--version"])
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    monkeypatch.setattr("parcelroute.cli.os._exit", _exit_spy)
    with pytest.raises(_ExitedError) as stop:
        run()
    assert stop.value.code == 0


def test_the_command_output_reaches_a_pipe_in_full(scenario_file: Path, tmp_path: Path) -> None:
    """Through a real process whose output is a pipe (block-buffered): the summary, the
    plan and the exit status are all there although the process skips its clean-up."""
    out = tmp_path / "plan.json"
    proc = subprocess.run([sys.executable, "-m", "parcelroute", "solve", str(scenario_file),
                           "-o", str(out), "-q"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("status: optimal")
    assert proc.stdout.endswith(f"plan written to {out}\n")
    assert json.loads(out.read_text())["objective"]["batch_cost"] == 12
    proc = subprocess.run([sys.executable, "-m", "parcelroute", "verify", str(scenario_file),
                           str(out)], capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (0, "the plan keeps every rule.\n")


@pytest.fixture
def solver_limits(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """The time limits the command hands to :func:`parcelroute.solve`, in order."""
    solve_module = sys.modules["parcelroute.solve"]  # (the package attribute is the function)
    limits: list[float | None] = []
    solve = solve_module.solve

    def spy(scenario: Any, **kwargs: Any) -> Any:
        limits.append(kwargs["time_limit"])
        return solve(scenario, **kwargs)

    monkeypatch.setattr(solve_module, "solve", spy)
    return limits


def test_the_time_limit_covers_reading_and_writing(
        scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        solver_limits: list[float | None]) -> None:
    """Binds: the solver gets the command's limit less the time spent so far (starting,
    reading the scenario) and the estimate of writing the plan."""
    import parcelroute.cli as cli

    began = cli.time.perf_counter() - 2.0
    monkeypatch.setattr(cli, "_command_start", lambda: began)  # started 2 s ago
    assert main(["solve", str(scenario_file), "-o", str(tmp_path / "p.json"),
                 "--time-limit", "10", "-q"]) == 0
    (limit,) = solver_limits
    assert limit is not None and 7.5 < limit < 10 - 2 - cli.WRITE_SECONDS_BASE


def test_without_a_time_limit_the_solver_has_none(
        scenario_file: Path, tmp_path: Path, solver_limits: list[float | None]) -> None:
    """Does not bind: ``--time-limit 0`` leaves the solver without a limit."""
    assert main(["solve", str(scenario_file), "-o", str(tmp_path / "p.json"),
                 "--time-limit", "0", "-q"]) == 0
    assert solver_limits == [None]


def test_a_fresh_command_counts_its_start_up_towards_the_limit() -> None:
    """The command's clock starts with its process (loading parcelroute included), to a
    clock tick, where /proc tells when the process started."""
    script = ("import time; t = time.perf_counter(); import parcelroute.cli as cli; "
              "loading = time.perf_counter() - t; "
              "print(loading, time.perf_counter() - cli._command_start())")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    loading, since_start = map(float, proc.stdout.split())
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc: the clock starts with main()")
    assert loading - 0.02 <= since_start < loading + 5.0


def test_solve_refuses_to_write_the_plan_over_its_scenario(
        scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Binds: ``-o`` naming the scenario file (by another path too) would overwrite it with
    the plan. Slack: another file of the same folder is written."""
    before = scenario_file.read_text()
    alias = tmp_path / "sub" / ".." / scenario_file.name
    (tmp_path / "sub").mkdir()
    for out in (scenario_file, alias):
        assert main(["solve", str(scenario_file), "-o", str(out)]) == 2
        assert "-o names the scenario file itself" in capsys.readouterr().err
        assert scenario_file.read_text() == before
    assert main(["solve", str(scenario_file), "-o", str(tmp_path / "plan.json"), "-q"]) == 0


def test_the_library_warnings_reach_the_command_as_warnings(tmp_path: Path) -> None:
    """Binds: a warning the solver logs (weights of more decimals than kept exactly) shows
    as ``parcelroute: warning: ...``, as the scenario's warnings do."""
    data = tiny()
    data["parcels"][0]["weight_kg"] = 4.000000001
    path = tmp_path / "decimals.json"
    path.write_text(json.dumps(data))
    proc = subprocess.run([sys.executable, "-m", "parcelroute", "solve", str(path), "-o",
                           str(tmp_path / "plan.json"), "-q"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "parcelroute: warning: parcels: weights or volumes have more decimals" in proc.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_an_exception_the_library_logs_shows_without_its_traceback(verbose: bool) -> None:
    """Binds: a failure the library logs and recovers from is one line, its traceback only
    with ``--verbose``; records below warnings get no level."""
    from parcelroute.cli import _LogFormatter

    fmt = _LogFormatter(verbose=verbose)
    try:
        raise RuntimeError("no basis")
    except RuntimeError:
        failed = logging.LogRecord("parcelroute", logging.ERROR, __file__, 1,
                                   "bin packing: the %s failed", ("arc flow",), sys.exc_info())
    shown = fmt.format(failed)
    assert shown.startswith("parcelroute: error: bin packing: the arc flow failed")
    assert ("Traceback" in shown) is verbose
    assert ("RuntimeError: no basis" in shown)
    info = logging.LogRecord("parcelroute", logging.INFO, __file__, 1, "level 1 proven", (), None)
    assert fmt.format(info) == "parcelroute: level 1 proven"


def test_a_refused_scenario_shows_the_unknown_fields_beside_its_problems(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Binds: 'max_diff' for 'max_difference' reads as a missing field; the refusal also
    shows the unknown field, which explains it. Slack: a refusal with no unknown field
    shows no warning."""
    data = tiny()
    data["reciprocity"] = {"max_diff": 5}
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert "reciprocity.max_difference: The 'max_difference' of the reciprocity" in err
    assert "parcelroute: warning: reciprocity: unknown field(s) 'max_diff' ignored." in err
    data["reciprocity"] = {}
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-o", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert "reciprocity.max_difference" in err and "warning" not in err


@pytest.mark.parametrize(("argv", "verbose"), [
    (["-v", "verify", "S", "P"], True), (["verify", "S", "P", "-v"], True),
    (["verify", "-v", "S", "P"], True), (["verify", "S", "P"], False),
    (["solve", "S", "-o", "P", "--verbose"], True), (["generate", "--parcels", "1", "--seed",
                                                     "1", "-o", "G", "-v"], True),
    (["offer", "S", "P", "V1"], False),
])
def test_verbose_may_come_before_or_after_the_command(argv: list[str], verbose: bool) -> None:
    from parcelroute.cli import build_parser

    assert build_parser().parse_args(argv).verbose is verbose


def test_a_valid_scenarios_warnings_show_once(tmp_path: Path) -> None:
    """Binds: a parcel's unknown field is shown once as a warning, and the plan is written;
    slack: the same scenario without it shows no warning."""
    data = tiny()
    path, plan = tmp_path / "s.json", tmp_path / "plan.json"

    def stderr() -> str:
        path.write_text(json.dumps(data))
        proc = subprocess.run([sys.executable, "-m", "parcelroute", "solve", str(path), "-o",
                               str(plan), "-q"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    assert "warning" not in stderr()
    data["parcels"][0]["colour"] = "red"
    err = stderr()
    assert err.count("unknown field(s) 'colour' ignored.") == 1
    assert err.startswith("parcelroute: warning: parcels[0]: unknown field(s) 'colour'")
