"""Run every ``bench/*_bench.py`` module present; print its figures as ``name: value unit`` lines.

Each module exposes ``run() -> dict[str, float]`` and optionally a ``UNITS`` (or ``_UNITS``) map of
figure name to unit. ``python -m bench [name ...]`` runs only the named benches (e.g. ``intake``).
A bench that fails is reported on stderr; the others still run, and the exit status is 1.
A figure name already printed by an earlier bench (two benches both reporting ``bare_rps``) is
printed as ``<bench>.<name>`` (e.g. ``wechat.bare_rps``) so every line stays unambiguous.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def discover() -> list[str]:
    return sorted(p.stem for p in Path(__file__).parent.glob("*_bench.py"))


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    wanted = argv if argv is not None else sys.argv[1:]
    names = discover()
    if wanted:
        names = [n for n in names if n in wanted or n.removesuffix("_bench") in wanted]
    failed = []
    printed: set[str] = set()
    for name in names:
        started = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            results = module.run()
        except Exception:
            traceback.print_exc()
            print(f"# {name}: FAILED", file=sys.stderr)
            failed.append(name)
            continue
        units = getattr(module, "UNITS", None) or getattr(module, "_UNITS", {})
        for figure, value in results.items():
            unit = units.get(figure, "")
            if unit == "count" and isinstance(value, float) and value.is_integer():
                value = int(value)
            shown = figure if figure not in printed else f"{name.removesuffix('_bench')}.{figure}"
            printed.add(shown)
            print(f"{shown}: {value} {unit}".rstrip(), flush=True)
        print(f"# {name}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
