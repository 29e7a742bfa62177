"""Command-line verbs for the run store and sweeps; ``explorer.cli`` mounts them on its parser.

    explorer store ls | info KEY | gc [--max-bytes SIZE] | export KEY --out DIR   [--store PATH] [--json]
    explorer sweep specialization --p 1/n2,0.01,0.1,1 --n 10,25 --covariance 0,0.5 --seeds 5 --out sweep.nc

Each sub-command sets ``args.func``; calling ``args.func(args)`` returns the exit code (0 ok, 2 bad input,
1 a failure such as an unreachable scheduler). Errors are one line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys

from .config import ConfigError, SpecializationConfig

_FIELDS = {f.name for f in dataclasses.fields(SpecializationConfig)}


def _guard(fn):
    """Turn the errors a user can cause into one readable line and an exit code."""
    @functools.wraps(fn)
    def wrapped(args) -> int:
        from .store import StoreError

        try:
            return fn(args) or 0
        except (ConfigError, StoreError) as e:
            print(f"explorer: {e}", file=sys.stderr)
            return 2
        except OSError as e:
            print(f"explorer: {e.strerror or e}{f': {e.filename}' if e.filename else ''}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("explorer: interrupted; nothing half-written was kept.", file=sys.stderr)
            return 130
    return wrapped


def _store(args):
    from .store import Store

    return Store(getattr(args, "store", None))


def _add_store_flag(parser):
    # SUPPRESS: a --store given before the sub-command (on the main parser) is not overwritten by a default here
    if "--store" not in parser._option_string_actions:
        parser.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS,
                            help="store folder (default: $EXPLORER_STORE or the per-user cache folder)")


def _table(rows: list[dict], columns: list[str]) -> str:
    cells = [[str(r.get(c, "")) if r.get(c) is not None else "-" for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _mb(n: int) -> str:
    """Bytes as a short human size (decimal units, like the bounds: 500M, 2G)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


# ---------------------------------------------------------------------------------------------- store
def add_store_commands(subparsers) -> None:
    """Add ``explorer store ls | info | gc | export``."""
    p = subparsers.add_parser("store", help="list, inspect, bound and export cached runs",
                              description="The run store caches every trained network, one entry per seed.")
    _add_store_flag(p)
    verbs = p.add_subparsers(dest="store_command", metavar="{ls,info,gc,export}", required=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_store_flag(common)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    verbs.add_parser("ls", parents=[common], help="list entries, most recently used first").set_defaults(
        func=_guard(_ls))
    info = verbs.add_parser("info", parents=[common], help="config, provenance and results of one entry")
    info.add_argument("key", help="entry key (a unique prefix of at least 4 characters is enough)")
    info.set_defaults(func=_guard(_info))
    gc = verbs.add_parser("gc", parents=[common], help="evict least-recently-used entries down to a size bound")
    gc.add_argument("--max-bytes", metavar="SIZE", help="bound such as 500M or 2G (default: "
                    "$EXPLORER_STORE_MAX_BYTES or 2G)")
    gc.set_defaults(func=_guard(_gc))
    ex = verbs.add_parser("export", parents=[common], help="copy one verified entry and a results.csv to a folder")
    ex.add_argument("key")
    ex.add_argument("--out", metavar="DIR", required=True, help="destination folder (created; must not hold "
                    "the exported file names)")
    ex.set_defaults(func=_guard(_export))


def _ls(args):
    store = _store(args)
    rows = store.ls()
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    for r in rows:
        r["key"], r["size"] = r["key"][:12], _mb(r["bytes"])
    if rows:
        print(_table(rows, ["key", "seed", "n", "p", "covariance", "epochs", "size", "last_used"]))
    print(f"{len(rows)} entries, {_mb(sum(r['bytes'] for r in rows))} of {_mb(store.max_bytes)} in {store.root}")


def _info(args):
    info = _store(args).info(args.key)
    if args.json:
        print(json.dumps(info, indent=1))
        return
    print(f"{'key':<30}{info['key']}\n{'path':<30}{info['path']}\n{'seed':<30}{info['seed']}")
    for section in ("config", "provenance", "files"):
        print(f"{section}:")
        for k, v in sorted(info[section].items()):
            print(f"  {k:<28}{json.dumps(v) if not isinstance(v, str) else v}")
    s = info["summary"]
    print(f"results:\n  {'accuracy':<28}{s['accuracy']:.4f}\n  {'Q_measured':<28}{s['Q_measured']:.4f}")
    for m, v in s["F_final"].items():
        print(f"  {'F (last step, ' + m + ')':<28}{v:.4f}")


def _gc(args):
    store = _store(args)
    bound = store.max_bytes if args.max_bytes is None else args.max_bytes
    evicted = store.gc(bound)
    from .store import parse_bytes

    out = {"evicted": evicted, "bytes": store.size(), "max_bytes": parse_bytes(bound)}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"evicted {len(evicted)} entries; the store holds {_mb(out['bytes'])} of {_mb(out['max_bytes'])}.")


def _export(args):
    paths = _store(args).export(args.key, args.out)
    if args.json:
        print(json.dumps([str(p) for p in paths]))
    else:
        print(f"exported {len(paths)} files to {paths[0].parent}")


# ---------------------------------------------------------------------------------------------- sweep
def add_sweep_command(subparsers, add_run_flags, config_from_args=None) -> None:
    """Add ``explorer sweep specialization``, accepting every run flag with comma lists for grid axes.

    ``add_run_flags(parser)`` adds the run flags; ``config_from_args(namespace)`` (optional) builds the
    base config from them, else flags whose ``dest`` names a config field are passed as that field.
    """
    p = subparsers.add_parser("sweep", help="run a grid of configurations (cached cell by cell)")
    studies = p.add_subparsers(dest="study", metavar="{specialization}", required=True)
    sp = studies.add_parser(
        "specialization", help="grid over p, n, covariance or any run flag",
        description="Comma lists make grid axes: --p 1/n2,0.01,0.1,1 --n 10,25 --covariance 0,0.5. p also takes "
                    "log grids start:stop:num (1/n2 allowed as an endpoint, resolved per n). Separate several "
                    "--start-times values with ';'.")
    add_run_flags(sp)
    parsers = {}
    for action in sp._actions:
        if action.dest in _FIELDS and action.nargs != 0 and action.dest not in ("seeds", "data_dir"):
            parsers[action.dest] = action.type
            action.type, action.choices = None, None  # lists arrive as text; each element is parsed below
    _add_store_flag(sp)
    if "--out" not in sp._option_string_actions:
        sp.add_argument("--out", metavar="FILE.nc", help="write the sweep Dataset to this netCDF file")
    sp.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="dask scheduler, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, else in-process)")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    if "--json" not in sp._option_string_actions:
        sp.add_argument("--json", action="store_true", help="print a JSON summary per cell")
    sp.set_defaults(func=_guard(functools.partial(_sweep, parsers=parsers, config_from_args=config_from_args)))


def split_values(field: str, text, parse=None) -> list:
    """One flag's text as a list of values: comma-separated (``;`` for start_times), p log grids kept whole."""
    if not isinstance(text, str):
        return [text]
    sep = ";" if field == "start_times" else ","
    items = [t.strip() for t in text.split(sep)]
    if any(not t for t in items):
        raise ConfigError(f"--{field.replace('_', '-')} has an empty element in {text!r}.")
    out = []
    for t in items:
        if field == "p" and (":" in t or "n" in t.lower()):
            out.append(t)  # a log grid or 1/n2: resolved per n by the sweep
            continue
        try:
            out.append(parse(t) if parse else t)
        except (TypeError, ValueError, argparse.ArgumentTypeError):
            kind = {int: "an integer", float: "a number"}.get(parse, "a valid value")
            raise ConfigError(f"--{field.replace('_', '-')} takes {kind} per element, got {t!r}.") from None
    return out


def _sweep(args, parsers, config_from_args):
    from .store import Store
    from .sweep import save, sweep

    grid, single = {}, {}
    grid_fields = {f for f in parsers if isinstance(getattr(args, f, None), str) and "," in getattr(args, f)}
    order = sorted(parsers, key=lambda f: (["p", "n", "covariance"] + [f]).index(f))  # dims: p, n, c, others
    for field in order:
        parse = parsers[field]
        values = split_values(field, getattr(args, field, None), parse)
        per_n = field == "p" and isinstance(values[0], str) and (":" in values[0] or "n" in values[0].lower())
        if len(values) > 1 or (per_n and (":" in values[0] or "n" in grid_fields)):
            grid[field] = values
        else:
            single[field] = values[0]
    ns = argparse.Namespace(**{**vars(args), **single, **{f: v[0] for f, v in grid.items()}})
    if "p" in grid and ":" in str(ns.p):
        ns.p = 0.5  # placeholder; every cell sets its own p
    if config_from_args is None:
        try:
            from .cli import config_from_args
        except ImportError:
            config_from_args = _config_from_fields
    base = config_from_args(ns)
    ds = sweep(base, grid, store=Store(getattr(args, "store", None)), scheduler=args.scheduler,
               progress=not args.no_progress)
    if args.out:
        save(ds, args.out)
    rows = _summary(ds, list(grid))
    if args.json:
        print(json.dumps({"cells": rows, "out": args.out, "dims": dict(ds.sizes)}, indent=1))
    else:
        print(_table(rows, [*grid, "accuracy", *[f"F_{m}" for m in ds.metric.values]]))
        if args.out:
            print(f"wrote {args.out} ({', '.join(f'{d}: {s}' for d, s in ds.sizes.items())})")


def _config_from_fields(ns) -> SpecializationConfig:
    """Fallback: every attribute named like a config field is that field (seeds: a count or a comma list)."""
    fields = {f: getattr(ns, f) for f in _FIELDS if getattr(ns, f, None) is not None}
    if isinstance(fields.get("seeds"), str):
        text = fields["seeds"]
        try:
            fields["seeds"] = int(text) if "," not in text else [int(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(f"--seeds takes a count or a comma list of integers, got {text!r}.") from None
    return SpecializationConfig(**fields)


def _summary(ds, fields) -> list[dict]:
    """Per cell: seed-mean accuracy and last-step specialization F per metric."""
    stacked = ds[["accuracy", "F"]].mean("seed").isel(time=-1)
    if fields:
        stacked = stacked.stack(cell=fields)
        cells = range(stacked.sizes["cell"])
    else:
        stacked, cells = stacked.expand_dims(cell=[0]), [0]
    rows = []
    for i in cells:
        c = stacked.isel(cell=i)
        row = {f: _plain(c[f].values) for f in fields}
        row["accuracy"] = round(float(c["accuracy"]), 4)
        row.update({f"F_{m}": round(float(c["F"].sel(metric=m)), 4) for m in ds.metric.values})
        rows.append(row)
    return rows


def _plain(v):
    v = v.item() if hasattr(v, "item") else v
    return v
