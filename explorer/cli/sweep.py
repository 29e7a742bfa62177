"""``explorer sweep <study> [settings…] --out FILE.nc``: a grid of runs, cached cell by cell.

Every setting flag of the study takes a comma list (``;`` between values of settings whose value is a list
itself, :func:`takes_commas`): each list is a grid axis, in the order the flags were given. A number
setting's element may be text the study understands (specialization's p: ``1/n2``, or a log grid
``start:stop:num``), resolved per cell. The output file's folder is checked before any training.
"""
from __future__ import annotations

import sys

from pathlib import Path

from ..core.config import ConfigError, repeated
from ..core.fields import flag_of
from ..core.files import check_writable, expanded, replacing, why
from ..core.jsontext import json_text
from .flags import GIVEN, add_setting_flags, make_config, parse_value, values_from_args

DESCRIPTION = ("Every setting flag of the study takes a comma list: each list is a grid axis, in the order the flags "
               "were given (settings whose one value is itself a comma list separate their values with ';'). A "
               "number setting's element may be text the study understands (specialization's p: 1/n2) or a log "
               "grid start:stop:num, resolved per cell. The output file's folder is checked before any training.")


def add_sweep_command(subparsers, studies) -> None:
    from .store import add_store_flag

    p = subparsers.add_parser("sweep", help="run a grid of configurations of one study (cached cell by cell)",
                              description=DESCRIPTION)
    sub = p.add_subparsers(dest="study", metavar="{" + ",".join(s.name for s in studies) + "}", required=True,
                           parser_class=type(p))
    for study in studies:
        lists = [flag_of(n, s) for n, s in study.config_class.settings().items() if takes_commas(s) and s.sweepable]
        sp = sub.add_parser(study.name, help=f"a grid over any of {study.name}'s settings",
                            description=f"A grid of the {study.title} study's settings: comma lists make grid axes "
                                        f"(e.g. {study.config_class.SWEEP_EXAMPLE}), and start:stop:num is a log "
                                        "grid of any number (rounded to whole numbers for an integer setting). "
                                        "--seeds is every cell's seeds, never an axis."
                                        + (f" A value of {', '.join(lists)} is itself a comma list: a sweep "
                                           "separates its values with ';'." if lists else ""))
        add_setting_flags(sp, study.config_class)
        add_store_flag(sp)
        sp.add_argument("--out", metavar="FILE.nc", help="write the sweep Dataset to this netCDF file (its folder "
                        "must exist; an existing file needs --force)")
        sp.add_argument("--force", action="store_true", help="overwrite an existing --out file")
        sp.add_argument("--scheduler", metavar="ADDRESS", default=None, help="dask scheduler, e.g. "
                        "tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, else in-process)")
        sp.add_argument("--no-progress", action="store_true", help="no progress bar")
        sp.add_argument("--json", action="store_true", help="print one JSON object: the cells (a summary each), "
                        "the --out file and the grid's sizes")
        sp.set_defaults(func=cmd_sweep, study_obj=study)


LIST_SEPARATOR = ";"


def takes_commas(s) -> bool:
    """Whether a setting's one value may hold commas (a list in text): a sweep separates its values with ``;``."""
    return s.kind in ("custom", "text")


def split_values(config_class, name: str, text: str, context: dict) -> list:
    """One flag's text as a list of values; elements a number setting cannot read alone stay text."""
    s = config_class.settings()[name]
    flag = flag_of(name, s)
    sep = LIST_SEPARATOR if takes_commas(s) else ","
    items = [t.strip() for t in text.split(sep)]
    if any(not t for t in items):
        raise ConfigError(f"{flag} has an empty element in {text!r}.")
    out = []
    for t in items:
        if s.kind == "int":
            try:
                out.append(int(t))
            except ValueError:
                ends = t.split(":")
                if len(ends) == 3 and all(e.strip().isdigit() for e in ends):
                    out.append(t)   # a log grid start:stop:num, rounded to whole numbers by the sweep
                    continue
                raise ConfigError(f"{flag} takes an integer per element (or start:stop:num), got {t!r}.") from None
        elif s.kind == "float":
            try:
                out.append(float(t))
            except ValueError:
                # garbage is refused here, in one sentence naming the flag; a log grid's two ends likewise
                for end in (t.split(":")[:2] if ":" in t else [t]):
                    parse_value(config_class, name, s, end, context)
                out.append(t)  # text the study resolves per cell (p = 1/n2 at each n; log grids)
        else:
            out.append(t)
    i = repeated(out)   # an axis holds each value once: a repeat would silently be one cell fewer
    if i is not None:
        first = items[out.index(out[i])]
        same = f"{first!r} twice" if first == items[i] else f"the same value twice ({first!r} and {items[i]!r})"
        raise ConfigError(f"{flag} lists {same}; give each value once.")
    return out


def grid_from_args(config_class, args) -> tuple[dict, dict]:
    """``(grid, single)``: grid axes (in the order given) and the settings given once."""
    from ..store.sweep import sweepable_fields

    sweepable = set(sweepable_fields(config_class))
    settings = config_class.settings()
    given = [n for n in (getattr(args, GIVEN, None) or []) if n in settings]
    texts = {n: getattr(args, n) for n in given if n in sweepable and isinstance(getattr(args, n), str)}
    single = values_from_args(config_class, args, skip=set(texts))
    grid, contextual = {}, {}
    for name, text in texts.items():
        values = split_values(config_class, name, text, single)
        if len(values) > 1 or (isinstance(values[0], str) and ":" in values[0]):
            grid[name] = values
        elif isinstance(values[0], str) and settings[name].kind == "float":
            contextual[name] = values[0]   # resolved per cell when other axes exist, else once
        else:
            single[name] = parse_value(config_class, name, settings[name], values[0], single)
    for name, v in contextual.items():
        if grid:
            grid[name] = [v]
        else:
            single[name] = parse_value(config_class, name, settings[name], v, single)
    return grid, single


def base_config(config_class, grid: dict, single: dict):
    """A valid config to vary: the single settings plus each axis's first readable value."""
    settings = config_class.settings()
    values = dict(single)
    for name in [n for n in settings if n in grid]:   # declaration order: p = 1/n2 sees its n
        vs = grid[name]
        if not (isinstance(vs[0], str) and ":" in vs[0]):
            values[name] = parse_value(config_class, name, settings[name], vs[0], values)
    return make_config(config_class, values)


def check_out(path: str | None, force: bool) -> Path | None:
    """Refuse an output path that cannot be written, before any work (one sentence)."""
    if path is None:
        return None
    if not path.strip():
        raise ConfigError("--out needs a file name such as sweep.nc (it is empty).")
    out = expanded(path, "--out")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name such as {out / 'sweep.nc'}.")
    if out.exists() and not force:
        raise ConfigError(f"--out {out} already exists; pass --force to overwrite it or choose another name.")
    if out.suffix.lower() not in (".nc", ".nc4"):
        raise ConfigError(f"--out {out}: a sweep is written as netCDF; give a file name ending in .nc.")
    folder = out.parent
    if not folder.is_dir():
        raise ConfigError(f"--out {out}: the folder {folder} does not exist; create it first.")
    try:
        check_writable(folder)
    except OSError as e:
        raise ConfigError(f"--out {out}: cannot write into {folder} ({why(e)}).") from None
    return out


def cmd_sweep(args) -> int:
    from ..store.store import Store
    from ..store.sweep import expand, save, sweep

    study = args.study_obj
    config_class = study.config_class
    grid, single = grid_from_args(config_class, args)
    try:
        base = base_config(config_class, grid, single)
    except ConfigError as e:   # "--start-times 0,1,1,0": four values of one setting, meant as two of a sweep?
        lists = [flag_of(n, st) for n, st in config_class.settings().items()
                 if takes_commas(st) and "," in str(single.get(n, ""))]
        if not lists:
            raise
        raise ConfigError(f"{str(e).rstrip('.')}; a sweep separates values of {lists[0]} with ';', since each "
                          "value is a comma list itself.") from None
    out = check_out(args.out, args.force)
    axes, cells = expand(base, grid)   # every cell is checked before any training
    for name, values in grid.items():   # values that are equal here make one cell: say so, not silently
        flag = flag_of(name, config_class.settings()[name])
        grids = [v for v in values if isinstance(v, str) and ":" in v]
        if grids:   # a whole-number log grid rounds its points, and equal ones are one point
            asked = sum(int(g.split(":")[2]) for g in grids) + len(values) - len(grids)
            if len(axes[name]) < asked:
                print(f"note: {flag} {','.join(map(str, values))} gives {len(axes[name])} distinct value"
                      f"{'s' if len(axes[name]) != 1 else ''} ({', '.join(map(str, axes[name]))}), not {asked}: "
                      "whole numbers that round alike are one point.", file=sys.stderr)
        elif len(axes[name]) < len(values):
            print(f"note: {flag} {','.join(map(str, values))} gives {len(axes[name])} distinct value"
                  f"{'s' if len(axes[name]) != 1 else ''} here ({', '.join(map(str, axes[name]))}): equal values "
                  "are one cell.", file=sys.stderr)
    _same_runs(config_class, list(grid), cells)
    ds = sweep(base, grid, store=Store(getattr(args, "store", None)), scheduler=args.scheduler,
               progress=not args.no_progress)
    if out is not None:
        with replacing(out) as tmp:   # an interrupted write leaves the old file, never half a new one
            save(ds, tmp)
    rows = cell_rows(study, ds, list(grid))
    if args.json:   # each cell's keys, as `explorer run --json` gives them: usable with `explorer store info`
        keyed = [{**row, "key": cfg.run_key(), "entries": [cfg.key(s) for s in cfg.seeds]}
                 for row, (_, cfg) in zip(rows, cells)]
        print(json_text({"cells": keyed, "out": str(out) if out else None, "dims": dict(ds.sizes)}, indent=1))
    else:
        from .store import table

        shown = [{k: _shown(v, 6 if k in grid else 4) if isinstance(v, float) else v for k, v in r.items()}
                 for r in rows]
        print(table(shown, list(dict.fromkeys(c for r in rows for c in r))))
        short = [r for r in rows if r.get("reached_criterion", 1) < 1]
        if short:   # compared at equal skill only where every network got there: say where they did not
            print(f"BELOW THE CRITERION: in {len(short)} of {len(rows)} cells not every network reached the study's "
                  "accuracy criterion (REACHED_CRITERION: the fraction that did); what those networks measure is "
                  "not at the skill of the others, and the cell's means include them (`explorer run` with the "
                  "cell's setting names the seeds).")
        if out is not None:
            print(f"wrote {out} ({', '.join(f'{d}: {s}' for d, s in ds.sizes.items())})")
    return 0


def _same_runs(config_class, fields: list, cells) -> None:
    """Say which values of an axis are the same run once read (``--start-times "1;1,1"``: one start time is
    every digit's; task lists in another order), not only values equal as typed: such cells are trained once."""
    first, said = {}, set()
    for labels, cfg in cells:
        key, labels = cfg.key(), dict(zip(fields, labels))
        if key in first:
            differ = tuple((n, first[key][n], labels[n]) for n in fields if labels[n] != first[key][n])
            if differ and differ not in said and len(said) < 3:
                said.add(differ)
                words = "; ".join(f"{flag_of(n, config_class.settings()[n])} {a} and {b}" for n, a, b in differ)
                print(f"note: {words} are the same run once read (one cell's numbers stand for both; trained "
                      "once).", file=sys.stderr)
        else:
            first[key] = labels


def cell_rows(study, ds, fields: list) -> list[dict]:
    """Per cell: its labels and the seed mean of each number in the study's ``entry_summary``."""
    import itertools

    from .store import flat

    rows = []
    # numbers a cell's labels stand for (specialization's p_value where p is written "1/n2"): on the swept dims
    derived = [c for c, v in ds.coords.items() if c not in ds.dims and v.dims and set(v.dims) <= set(fields)
               and v.dtype.kind in "iuf"]
    for index in itertools.product(*(range(ds.sizes[f]) for f in fields)):
        cell = ds.isel(dict(zip(fields, index))) if fields else ds
        row = {f: _plain(cell[f].values) for f in [*fields, *derived]}
        per_seed = [flat(study.result.entry_summary(cell.isel(seed=[i]))) for i in range(cell.sizes["seed"])]
        for k in dict.fromkeys(k for p in per_seed for k in p):   # every seed's numbers, not the first's
            vals = [p[k] for p in per_seed if isinstance(p.get(k), (int, float))]
            if vals:
                row[k] = sum(vals) / len(vals)   # full precision (--json); the table rounds
        rows.append(row)
    return rows


def _shown(v: float, digits: int) -> float:
    """A number for the table: ``digits`` decimals, or significant digits where that would read 0 (a λ of
    3e-05 stays 3e-05; a wiring length of 12345.6 stays 12345.6)."""
    return round(v, digits) if v == 0 or abs(v) >= 10 ** -digits * 10 else float(f"{v:.{digits}g}")


def _plain(v):
    """A label as Python's own value, at full precision: a log grid's 0.046415888336127774 is the value a run
    of that cell has (its key); the table rounds it for reading."""
    return v.item() if hasattr(v, "item") else v
