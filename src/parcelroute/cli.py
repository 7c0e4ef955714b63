"""The ``parcelroute`` command line: solve, verify, generate and offer.

Exit status: 0 success; 1 a plan that breaks a rule (``verify``); 2 bad input
(an invalid scenario or plan file, a missing file, bad arguments); 3 an
internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from parcelroute import __version__
from parcelroute.exceptions import InvalidPlanError, InvalidScenarioError, ParcelrouteError
from parcelroute.io import read_plan_dict, read_scenario, write_plan
from parcelroute.io.plan_io import load_plan_file
from parcelroute.model.scenario import Scenario
from parcelroute.options import MAX_SEED, MAX_WORKERS, Progress
from parcelroute.result import Result

if TYPE_CHECKING:
    from parcelroute.visits.offer import SlotOffer

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_TIME_LIMIT = 60.0
#: Most parcels (and visit requests) ``generate`` writes: a hundred times a national month.
MAX_GENERATED = 20_000_000

#: ``solve --time-limit`` covers the whole command: the time since it started (see
#: :func:`_command_start`: loading parcelroute, reading and checking the scenario) and an
#: estimate of writing the plan (about 4 us per parcel at 60,000 parcels) come off the
#: solver's limit, which keeps at least a tenth of a second.
WRITE_SECONDS_BASE, WRITE_SECONDS_PER_ITEM, MIN_SOLVE_SECONDS = 0.05, 5e-6, 0.1
#: A process younger than this when :func:`main` starts is taken to run the command alone:
#: its start-up (loading parcelroute) counts towards ``--time-limit`` too.
FRESH_PROCESS_SECONDS = 10.0


def _command_start() -> float:
    """The :func:`time.perf_counter` reading the command's time limit counts from.

    The start of the process where ``/proc`` tells it and the process is
    fresh (the ``parcelroute`` command); otherwise now (:func:`main` called in
    a longer-lived process).
    """
    now = time.perf_counter()
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        age = up - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now
    return now - age if 0.0 <= age < FRESH_PROCESS_SECONDS else now


class _ProgressPrinter:
    """Shows incumbent and bound on stderr once a solve has run for a second."""

    def __init__(self, stream: TextIO, *, after: float = 1.0, every: float = 2.0) -> None:
        self.stream = stream
        self.after = after
        self.every = every
        self.start = time.perf_counter()
        self.last: Progress | None = None
        self.shown_at = -1.0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._heartbeat, daemon=True)

    def __enter__(self) -> _ProgressPrinter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=1.0)

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            self.last = progress
            now = time.perf_counter() - self.start
            if now >= self.after and now - self.shown_at >= 0.5:
                self._show(now)

    def _heartbeat(self) -> None:
        while not self.done.wait(0.25):
            with self.lock:
                now = time.perf_counter() - self.start
                if now >= self.after and now - self.shown_at >= self.every:
                    self._show(now)

    def _show(self, now: float) -> None:
        p = self.last
        if p is None:
            line = f"[{now:7.1f} s] preparing the model"
        else:
            line = f"[{now:7.1f} s] {p.phase}"
            if p.incumbent is not None:
                line += f"  best {_fmt(p.incumbent)}"
            if p.bound is not None:
                line += f"  bound {_fmt(p.bound)}"
        print(line, file=self.stream, flush=True)
        self.shown_at = now


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def _unreadable(what: str, path: str, exc: OSError | UnicodeDecodeError) -> NoReturn:
    """Fail with the reason why the file ``path`` cannot be read."""
    if isinstance(exc, UnicodeDecodeError):
        why = f"it is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    elif isinstance(exc, FileNotFoundError):
        why = "no such file"
    elif isinstance(exc, IsADirectoryError):
        why = "it is a directory"
    else:
        why = (exc.strerror or str(exc)).lower()
    _fail(f"cannot read the {what} file '{path}': {why}.")


def _read_scenario_or_exit(path: str) -> Scenario:
    try:
        scenario = read_scenario(path)
    except (OSError, UnicodeDecodeError) as exc:
        _unreadable("scenario", path, exc)
    return scenario  # (its warnings went to the log as it was read)


def _read_plan_or_exit(path: str, scenario: Scenario, scenario_path: str
                       ) -> tuple[Result, dict[str, Any]]:
    """The plan file ``path``, read and as parsed; warns when it names another scenario.

    Names are not ids (two months may share one), so a different name is a warning,
    not bad input; the rules the plan is checked against stay the same. The parsed
    file is what :func:`~parcelroute.verify` checks: it holds what a plan states
    beyond the :class:`~parcelroute.Result` (its gaps, whether it states its time).
    """
    try:
        data = load_plan_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        _unreadable("plan", path, exc)
    plan = read_plan_dict(data)  # (a plan that is no JSON object is refused here)
    if plan.scenario and plan.scenario != scenario.name:  # (a plan may leave it out)
        print(f"parcelroute: warning: the plan '{path}' names the scenario "
              f"{json.dumps(plan.scenario, ensure_ascii=False)}, but the scenario in "
              f"'{scenario_path}' is named {json.dumps(scenario.name, ensure_ascii=False)}; "
              "check that the plan was made for this scenario.", file=sys.stderr)
    return plan, data


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (a link to it included)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _writable_or_exit(path: str, what: str, option: str = "-o") -> Path:
    """The output file ``path``, checked before any work is done."""
    if not path.strip():
        _fail(f"{option} must name the {what} file to write; got {path!r} instead.")
    out = Path(path)
    if out.is_dir():
        _fail(f"cannot write the {what} to '{path}' ({option}): it is a directory.")
    folder = out.parent
    if not folder.exists():
        _fail(f"cannot write the {what} to '{path}' ({option}): the folder '{folder}' does not exist.")
    if not folder.is_dir():
        _fail(f"cannot write the {what} to '{path}' ({option}): '{folder}' is not a folder.")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        _fail(f"cannot write the {what} to '{path}' ({option}): permission denied.")
    return out


class _LogFormatter(logging.Formatter):
    """The library's log records as the command shows them: ``parcelroute: warning: ...``
    (``error:`` for errors, no level below warnings); an exception logged with a record
    in one line, its traceback only with ``--verbose``."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            if self.verbose:
                message += "\n" + self.formatException(record.exc_info)  # type: ignore[arg-type]
            else:
                message += f" ({type(exc).__name__}: {exc}; -v shows where)"
        level = "" if record.levelno < logging.WARNING else \
            "warning: " if record.levelno < logging.ERROR else "error: "
        return f"parcelroute: {level}{message}"


class _ExitError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    print(f"parcelroute: error: {message}", file=sys.stderr)
    raise _ExitError(code)


def _cmd_solve(args: argparse.Namespace) -> int:
    from parcelroute.solve import solve

    out = _writable_or_exit(args.output, "plan")
    if _same_file(out, Path(args.scenario)):
        _fail(f"-o names the scenario file itself ('{args.output}'): the plan would "
              "overwrite the scenario; name another file.")
    scenario = _read_scenario_or_exit(args.scenario)
    limit = _solver_limit(args.time_limit or None, scenario, args.started)
    printer = _ProgressPrinter(sys.stderr) if not args.quiet else None
    if printer is not None:
        with printer:
            result = solve(scenario, time_limit=limit, seed=args.seed,
                           relative_gap=args.gap, workers=args.workers, callback=printer)
    else:
        result = solve(scenario, time_limit=limit, seed=args.seed,
                       relative_gap=args.gap, workers=args.workers)
    write_plan(result, out)
    print(result.summary())
    print(f"plan written to {out}")
    return EXIT_OK


def _solver_limit(limit: float | None, scenario: Scenario, started: float) -> float | None:
    """The solver's time limit: the command's, less what reading took and writing will take."""
    if limit is None:
        return None
    items = len(scenario.parcels) + len(scenario.batches) + len(scenario.visit_requests)
    spent = time.perf_counter() - started
    return max(MIN_SOLVE_SECONDS,
               limit - spent - WRITE_SECONDS_BASE - WRITE_SECONDS_PER_ITEM * items)


def _cmd_verify(args: argparse.Namespace) -> int:
    from parcelroute.verify import verify

    scenario = _read_scenario_or_exit(args.scenario)
    _, data = _read_plan_or_exit(args.plan, scenario, args.scenario)
    violations = verify(scenario, data)
    for v in violations:
        print(v)
    if violations:
        print(f"{len(violations)} violation(s) found.", file=sys.stderr)
        return EXIT_VIOLATIONS
    print("the plan keeps every rule.")
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from parcelroute.generate import generate_scenario_dict

    for option, value in (("--parcels", args.parcels), ("--visits", args.visits)):
        if not 0 <= value <= MAX_GENERATED:
            _fail(f"{option} must be a whole number between 0 and {MAX_GENERATED:,}; "
                  f"got {value} instead.")
    if args.name is not None and not args.name.strip():
        _fail(f"--name must be a non-empty scenario name; got {args.name!r} instead.")
    out = _writable_or_exit(args.output, "scenario")
    data = generate_scenario_dict(args.parcels, args.visits, args.seed, name=args.name)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {len(data.get('parcels', []))} parcels, "
          f"{len(data.get('batches', []))} batches, "
          f"{len(data.get('visit_requests', []))} visit requests")
    return EXIT_OK


def _cmd_offer(args: argparse.Namespace) -> int:
    from parcelroute.visits.offer import UnknownRequestError, offer_slots

    scenario = _read_scenario_or_exit(args.scenario)
    plan, _ = _read_plan_or_exit(args.plan, scenario, args.scenario)
    if args.k < 1:
        _fail(f"-k must be at least 1; got {args.k} instead.")
    try:
        offers = offer_slots(scenario, plan, args.request, k=args.k)
    except UnknownRequestError as exc:
        _fail(str(exc))
    if not offers:
        print(f"no session can take visit request {args.request}.")
        return EXIT_OK
    for n, offer in enumerate(offers, 1):
        print(f"{n}. {_describe_offer(offer)}")
    return EXIT_OK


def _describe_offer(offer: SlotOffer) -> str:
    """One offer in a line or two a coordinator can read out on the phone."""
    text = (f"{offer.session}: {offer.facility} on {offer.date.isoformat()} "
            f"{offer.start.strftime('%H:%M')}-{offer.end.strftime('%H:%M')}")
    extras = []
    if offer.escort:
        extras.append(f"escort {offer.escort}")
    if offer.transport:
        extras.append(f"bus {offer.transport}")
    if extras:
        text += " with " + " and ".join(extras)
    if offer.direct:
        text += "; fits as the plan stands"
    changes = []
    if offer.moved:
        changes.append("moves " + ", ".join(f"{r} ({a} -> {b})" for r, a, b in offer.moved))
    if offer.reassigned:
        changes.append("reassigns " + ", ".join(r for r, _, _ in offer.reassigned))
    if offer.dropped:
        changes.append(f"drops {', '.join(offer.dropped)} (priority -{offer.priority_change})")
    if offer.transport_cost_change:
        changes.append(f"transport cost {offer.transport_cost_change:+g}")
    if changes:
        text += "; " + "; ".join(changes)
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``parcelroute`` command."""
    parser = argparse.ArgumentParser(
        prog="parcelroute",
        description="Plan parcels from home and family visits, optimally and provably.",
    )
    parser.add_argument("--version", action="version", version=f"parcelroute {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log solver details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # -v also after the command; SUPPRESS keeps a -v given before it
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log solver details")

    p = _command(sub, "solve", verbose, "solve a scenario and write the plan")
    p.add_argument("scenario", help="scenario file (parcelroute-scenario/1)")
    p.add_argument("-o", "--output", required=True, help="plan file to write")
    p.add_argument("--time-limit", type=_non_negative_float, default=DEFAULT_TIME_LIMIT,
                   metavar="SECONDS",
                   help=f"wall-time limit for the whole command, reading the scenario and "
                   f"writing the plan included (default {DEFAULT_TIME_LIMIT:g}; "
                   "0: no limit, run until every level is proven)")
    p.add_argument("--seed", type=_seed, default=0,
                   help=f"random seed, 0 to {MAX_SEED} (default 0)")
    p.add_argument("--gap", type=_non_negative_float, default=0.0, metavar="REL",
                   help="accept a level within this relative gap of its bound (default 0)")
    p.add_argument("--workers", type=_workers, default=2,
                   help=f"solver threads, 1 to {MAX_WORKERS} (default 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_solve)

    p = _command(sub, "verify", verbose, "check a plan against every rule, without the solver")
    _scenario_and_plan(p, "plan file to check (parcelroute-plan/1)")
    p.set_defaults(func=_cmd_verify)

    p = _command(sub, "generate", verbose, "write a realistic synthetic month")
    p.add_argument("--parcels", type=int, required=True, metavar="N",
                   help="how many parcels (0 for a month of visits only)")
    p.add_argument("--visits", type=int, default=0, metavar="M",
                   help="how many visit requests (default 0)")
    p.add_argument("--seed", type=int, required=True, metavar="S",
                   help="random seed, any whole number (the same seed gives the same file)")
    p.add_argument("--name", default=None, help="scenario name")
    p.add_argument("-o", "--output", required=True, help="scenario file to write")
    p.set_defaults(func=_cmd_generate)

    p = _command(sub, "offer", verbose, "offer the best sessions to one visit request")
    _scenario_and_plan(p, "the scenario's current plan (parcelroute-plan/1)")
    p.add_argument("request", metavar="REQUEST_ID", help="id of the visit request")
    p.add_argument("-k", type=int, default=3, help="how many sessions to offer (default 3)")
    p.set_defaults(func=_cmd_offer)
    return parser


#: What ``parcelroute COMMAND --help`` says of each command beyond its one-line summary.
_DESCRIPTIONS = {
    "solve": "Solve a scenario and write the plan: every parcel and visit request in it, "
             "assigned or with a reason, and each objective level's value and proven bound. "
             "Prints a summary (status, delivered, left out by reason, cost, gap, time) and, "
             "while a solve runs longer than a second, the incumbent and bound on stderr. "
             "Exits 0 with a plan, 2 on bad input.",
    "verify": "Check a plan against every rule of the problem and against what the plan file "
              "states (values, bounds, gaps, status, reasons), without the solver. Prints "
              "every violation; exits 0 only when there is none, 1 when there are, 2 when a "
              "file cannot be read.",
    "generate": "Write a realistic synthetic month: hubs, crossing points with daily capacity "
                "and dwell, tens of facilities, multi-stop batch routes, parcel categories and "
                "detainee limits; sessions, escorts, transports and a reciprocity agreement "
                "when it has visit requests. The same arguments give the same file.",
    "offer": "Offer the best sessions to one visit request while a family is on the line: the "
             "sessions that fit the plan as it stands, best first, and what each would take "
             "(an escort, seats on a transport).",
}


def _command(sub: Any, name: str, verbose: argparse.ArgumentParser,
             summary: str) -> argparse.ArgumentParser:
    """A command's parser: its summary for ``parcelroute --help``, its description, ``-v``."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, parents=[verbose], help=summary, description=_DESCRIPTIONS.get(name, summary))
    return parser


def _scenario_and_plan(p: argparse.ArgumentParser, plan_help: str) -> None:
    """The two files a command that reads a plan takes: the scenario, then its plan."""
    p.add_argument("scenario", help="scenario file (parcelroute-scenario/1)")
    p.add_argument("plan", help=plan_help)


def _typed(convert: Callable[[str], float], test: Callable[[float], bool], what: str
           ) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r} instead") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r} instead")
        return value

    return parse


_non_negative_float = _typed(float, lambda v: math.isfinite(v) and v >= 0,
                             "a finite number greater than or equal to 0")
_workers = _typed(int, lambda v: 1 <= v <= MAX_WORKERS, f"a whole number between 1 and {MAX_WORKERS}")
_seed = _typed(int, lambda v: 0 <= v <= MAX_SEED, f"a whole number between 0 and {MAX_SEED}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``parcelroute`` command; return its exit status."""
    started = _command_start()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    args.started = started
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(verbose=args.verbose))
    logging.basicConfig(handlers=[handler], level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except _ExitError as exc:
        return exc.code
    except (InvalidScenarioError, InvalidPlanError) as exc:
        print(f"parcelroute: error: {exc}", file=sys.stderr)
        for warning in exc.warnings:  # (a field it does not know may be the one missing)
            print(f"parcelroute: warning: {warning}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ParcelrouteError as exc:
        print(f"parcelroute: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"parcelroute: error: {exc.strerror or exc}: '{exc.filename}'", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("parcelroute: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # pragma: no cover - a bug, reported without a traceback
        if os.environ.get("PARCELROUTE_DEBUG"):
            raise
        print(f"parcelroute: internal error: {type(exc).__name__}: {exc} "
              "(set PARCELROUTE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL


def run() -> None:
    """The ``parcelroute`` command's entry point: :func:`main`, then exit with its status.

    The process ends with :func:`os._exit` once its output is written and
    flushed, without the interpreter's clean-up. That clean-up only frees
    memory the system frees anyway, yet took 0.1-0.2 s after a solve (OR-Tools'
    and HiGHS' objects and threads), which ``--time-limit`` would not cover.
    It could also be aborted by HiGHS while a run left behind (see
    :func:`parcelroute._highs.runs_left_behind`) goes on, and the command
    would fail after writing a valid plan.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # (a pipe the reader closed, or a closed stream: nothing more can reach it)
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
