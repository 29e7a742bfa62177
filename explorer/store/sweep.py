"""Sweeps: a grid of configurations of any study (any sweepable setting on an axis), cached cell by cell.

Missing cells are grouped by :meth:`~explorer.core.config.StudyConfig.shape_key` so that cells which share tensor shapes
(e.g. several p at one n) train together as one batched ensemble. Execution is in-process by default; with a
dask.distributed scheduler address each group is one task on the cluster, whose workers write into the same
store folder (a shared filesystem), and the sweep then reads every cell back from the store.

The answer is one ``xarray.Dataset`` with a dimension per grid field (in the order given), then the Result
dimensions (for specialization ``seed, metric, time, module, digit, epoch``). A study's config may add derived
coordinates (``sweep_coords``: specialization's ``p_value`` and ``Q``, the actual sparsity and analytic
modularity of each cell, since ``p`` labels stay as written when they depend on n, "1/n2"); the describing
settings that were not swept are scalar coordinates, so every file says what it holds.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import math
import numbers
import os

import numpy as np

from ..core.config import ConfigError, plain
from .. import __version__
from ..core.ensembles import by_shape
from .entry import utc_now

def sweepable_fields(config_class) -> list[str]:
    """Settings a sweep may range over (seeds are every cell's own dimension; data locations are not identity)."""
    return [name for name, s in config_class.settings().items() if s.sweepable and s.identity]


def _parse(config_class, field: str, text, context: dict):
    value = config_class.parse_field(field, text, context) if isinstance(text, str) else text
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field} takes numbers in a log grid, got {text!r}.") from None


#: The most cells one sweep may hold (a laptop's grid is tens; a cluster's, hundreds).
MAX_CELLS = 1000


def log_grid(spec: str, context: dict, config_class, field: str) -> list[float]:
    """``"start:stop:num"`` → ``num`` log-spaced values of the number ``field``; an endpoint may be text the
    setting understands, read against the other settings' values in ``context`` (a sparsity written ``1/n2``,
    resolved for module size n)."""
    parts = spec.split(":")
    if len(parts) != 3:
        raise ConfigError(f"a log grid is start:stop:num, like 1e-4:1e-2:3, got {spec!r}.")
    start, stop = (_parse(config_class, field, t, context) for t in parts[:2])
    try:
        num = int(parts[2])
    except ValueError:
        raise ConfigError(f"the number of points in log grid {spec!r} must be an integer.") from None
    if num > MAX_CELLS:
        raise ConfigError(f"log grid {spec!r} asks for {num} points; a sweep holds at most {MAX_CELLS} cells.")
    if num < 1 or not (start > 0 and stop > 0):
        raise ConfigError(f"log grid {spec!r} needs positive endpoints and at least one point.")
    return [float(v) for v in np.geomspace(start, stop, num)] if num > 1 else [start]


def _whole(values: list[float], s) -> list:
    """A log grid's values as the setting takes them: an integer setting's rounded (``--n 10:40:3`` → 10, 20,
    40; repeats are dropped with the others)."""
    return [int(round(v)) for v in values] if s.kind == "int" else values


def _resolved(config_class, field: str, elements, context: dict) -> list[tuple[str, float]]:
    """(label, value) of each element of a dependent setting's axis, read against ``context``; log grids expand
    to several."""
    out = []
    for el in elements:
        if isinstance(el, str) and ":" in el:
            out += [(f"{el}[{k}]", v) for k, v in enumerate(log_grid(el, context, config_class, field))]
        else:
            out.append((str(el), _parse(config_class, field, el, context)))
    return out


def _listed(values) -> list:
    """A grid axis's values as a list of Python values: one value alone is a list of one, NumPy's numbers
    (``np.arange``, an xarray coordinate) are Python's."""
    if isinstance(values, (str, bytes, numbers.Number)) or getattr(values, "ndim", None) == 0:
        values = [values]
    return [plain(v) for v in values]


def expand(base, grid: dict) -> tuple[dict, list]:
    """The grid's labelled axes and its cells.

    Returns ``(axes, cells)``: ``axes`` maps each field to its coordinate labels; ``cells`` lists
    ``(labels, config)`` in row-major order. Numbers may be ``"start:stop:num"`` log grids. A setting whose text
    is read against another's value (``Setting.depends_on``: a sparsity p whose ``"1/n2"`` depends on n)
    is resolved per value of that setting; where its values then differ between them its labels stay as text.
    """
    fields = list(grid)
    settings = type(base).settings()
    sweepable = sweepable_fields(type(base))
    bad = [f for f in fields if f not in sweepable]
    if bad:
        raise ConfigError(f"cannot sweep over {', '.join(bad)}; sweepable settings are {', '.join(sweepable)}.")
    dependent = {f: settings[f].depends_on for f in fields if settings[f].depends_on}
    values = {}
    for f in fields:
        v = _listed(grid[f])
        if not v:
            raise ConfigError(f"the sweep over {f} lists no values.")
        if f not in dependent:   # a log grid start:stop:num of any number (a dependent one's: per value, below)
            v = [x for el in v for x in (_whole(log_grid(el, {}, type(base), f), settings[f])
                                         if isinstance(el, str) and ":" in el else [el])]
        values[f] = list(dict.fromkeys(v))  # drop repeats, keep order
    per = {}   # dependent field → {value of what it depends on: [(label, value)]}
    labels_of = {f: [_label(v) for v in values[f]] for f in fields if f not in dependent}
    for f, d in dependent.items():
        of = values.get(d, [getattr(base, d)])
        per[f] = {x: _resolved(type(base), f, values[f], {d: x}) for x in of}
        if len({tuple(v for _, v in pv) for pv in per[f].values()}) == 1:
            # numeric labels: equal values (e.g. 1/n2 and 0.0016 at n = 25) are one cell
            per[f] = {x: list({v: (lab, v) for lab, v in pv}.values()) for x, pv in per[f].items()}
            labels_of[f] = [v for _, v in per[f][of[0]]]
        else:
            labels_of[f] = [lab for lab, _ in per[f][of[0]]]
    axes = {f: labels_of[f] for f in fields}
    size = math.prod(len(a) for a in axes.values())
    if size > MAX_CELLS:   # said before anything is trained (each cell also holds a lock file while it runs)
        raise ConfigError(f"a sweep holds at most {MAX_CELLS} cells; this grid has {size} "
                          f"({' × '.join(f'{len(a)} {f}' for f, a in axes.items())}): split it into smaller sweeps.")
    cells = []
    for labels in itertools.product(*(range(len(axes[f])) for f in fields)):
        at = dict(zip(fields, labels))
        changes = {f: values[f][i] for f, i in at.items() if f not in dependent}
        for f, d in dependent.items():
            changes[f] = per[f][changes.get(d, getattr(base, d))][at[f]][1]
        try:
            cfg = base.replace(**changes)
        except ConfigError as e:
            where = ", ".join(f"{f}={axes[f][i]}" for f, i in at.items())
            raise ConfigError(f"grid cell {where}: {e}") from None
        except TypeError as e:
            raise ConfigError(f"a sweep value has the wrong type ({e}).") from None
        cells.append((tuple(axes[f][i] for f, i in at.items()), cfg))
    return axes, cells


def groups_of(configs) -> list[list]:
    """Configs split into ensembles: one group per shape key, in first-seen order."""
    configs = list(configs)
    return [[configs[i] for i in idx] for idx in by_shape(configs)]


#: a worker's store is not bounded: its bound would evict the other groups' new cells before the sweep reads them
#: back (and the sweep would train them again in-process); the sweep applies the bound once it has them all
_UNBOUNDED = 1 << 62


def _run_group(root: str, study: str, config_dicts: list, run_many=None) -> list[str]:
    """Cluster task: train (or find) one group of cells in the shared store; returns their keys."""
    from ..studies import get
    from .store import Store

    configs = [get(study).config_class.from_dict(d) for d in config_dicts]
    Store(root, max_bytes=_UNBOUNDED).get_or_run_many(configs, run_many=run_many)
    return [c.key() for c in configs]


def sweep(base_config, grid: dict, store=None, scheduler=None, progress=True,
          run_many=None):
    """Run (or load) every cell of ``grid`` around ``base_config`` and return one labelled Dataset.

    ``grid`` maps config fields to value lists, e.g. ``{"p": ["1/n2", 0.01, 0.1, 1], "n": [10, 25]}``.
    ``store`` is a :class:`~explorer.store.Store` (default: the user's store). ``scheduler`` is a dask
    scheduler address or a ``distributed.Client`` (default: ``$DASK_SCHEDULER_ADDRESS``, else in-process).
    ``run_many`` replaces the study's runner (tests).
    """
    from tqdm.auto import tqdm

    from ..core.progress import progress_words
    from .store import Store

    store = store if store is not None else Store()
    store.ensure_writable()
    from_env = not scheduler and bool(os.environ.get("DASK_SCHEDULER_ADDRESS"))
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if isinstance(scheduler, str):
        try:   # before any work: a typo or a scheduler that is not running costs no training
            check_address(scheduler)
        except ConfigError as e:
            if not from_env:
                raise
            raise ConfigError(f"{str(e).rstrip('.')} (the address is $DASK_SCHEDULER_ADDRESS's; unset it to "
                              "train here).") from None
    grid = {f: _listed(v) for f, v in grid.items()}   # the file's attributes list them too
    axes, cells = expand(base_config, grid)
    for _, cfg in cells:   # the data each cell reads is fetched before its key names it (Store.prepare's rule)
        cfg.prepare()
    unique = list({cfg.key(): cfg for _, cfg in cells}.values())
    weight = {}  # cells per unique config, for the progress bar
    for _, cfg in cells:
        weight[cfg.key()] = weight.get(cfg.key(), 0) + 1
    todo = [c for c in unique if store.missing_seeds(c)]
    data = {}
    # no time estimate: cells finish a whole ensemble at a time, so a rate per cell says nothing until the end
    with tqdm(total=len(cells), unit="cell", disable=not progress, desc="sweep",
              bar_format="{desc}: {n_fmt}/{total_fmt} cells |{bar}| {elapsed}{postfix}") as bar:
        bar.update(len(cells) - sum(weight[c.key()] for c in todo))
        groups = groups_of(todo)
        if groups and scheduler:
            def done(g):   # a cell came back: any "waiting for a worker" is over
                bar.set_postfix_str("")
                bar.update(sum(weight[c.key()] for c in g))

            _on_cluster(scheduler, store, groups, run_many, done, bar.set_postfix_str)
        else:
            for group in groups:
                bar.set_postfix_str(f"training {sum(len(c.seeds) for c in group)} networks")

                def said(event):   # the ensemble's own progress (step, loss, measuring) after the cell count
                    words = progress_words(event)[1]
                    if words:
                        bar.set_postfix_str(words.rstrip(" …"))

                for c, r in zip(group, store.get_or_run_many(group, on_progress=said, run_many=run_many)):
                    data[c.key()] = r.data
                bar.update(sum(weight[c.key()] for c in group))
    rest = [c for c in unique if c.key() not in data]
    for c, r in zip(rest, store.get_or_run_many(rest, run_many=run_many) if rest else []):
        data[c.key()] = r.data
    if groups and scheduler:
        with contextlib.suppress(Exception):   # the bound the workers did not apply (_UNBOUNDED); housekeeping
            store.gc(keep={c.key(s) for c in unique for s in c.seeds})
    return _assemble(base_config, grid, axes, cells, data)


def check_address(address: str, timeout: float = 5.0) -> None:
    """A ConfigError sentence unless ``address`` reads as a dask scheduler address (``tcp://host:8786``, or
    ``host:8786``) and something listens there: a refused port fails at once instead of after distributed's
    30 s connect timeout. Other transports (tls, ws, ucx) need security or drivers an address cannot carry: a
    caller passes its own ``distributed.Client`` for them."""
    import socket

    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
        host_port = parse_host_port(location) if scheme in ("tcp", "tls", "ws", "wss", "ucx") else None
        # (inproc:// and the like have no host and port)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"the dask scheduler address must look like tcp://host:8786, got {address!r} "
                          f"({str(e).rstrip('.')}).") from None
    if scheme != "tcp":
        raise ConfigError(f"a dask scheduler address here is tcp://host:port, got {address!r}; for a {scheme} "
                          "scheduler pass a distributed.Client to explorer.store.sweep.sweep(scheduler=…).")
    try:
        socket.create_connection(host_port, timeout=timeout).close()
    except OSError as e:
        why = "nothing listens on that port" if isinstance(e, ConnectionRefusedError) else (
            f"no answer within {timeout:g} s" if isinstance(e, TimeoutError) else (e.strerror or str(e)))
        raise ConfigError(f"no dask scheduler answers at {address} ({why}); start one with "
                          f"'dask scheduler' and 'dask worker {address}', or train here without a "
                          "scheduler.") from None


def _on_cluster(scheduler, store, groups, run_many, done, say=lambda words: None) -> None:
    """Submit one task per group to a dask.distributed cluster and wait for all of them; ``say`` gets a few words
    while the cluster has no worker to run them (a scheduler alone waited in silence)."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(_run_group, str(store.root), type(g[0]).STUDY,
                                 [c.to_dict() for c in g], run_many, pure=False): g for g in groups}
        if not client.scheduler_info().get("workers"):
            say(f"waiting for a worker: the scheduler at {client.scheduler.address} has none (start one with "
                f"'dask worker {client.scheduler.address}')")
        for fut in as_completed(futures):
            fut.result()  # re-raises a worker's error here
            done(futures[fut])
    finally:
        if client is not scheduler:
            client.close()


def _assemble(base, grid, axes, cells, data):
    """Stack the cells' datasets into one Dataset with a dimension per grid field."""
    import xarray as xr

    fields = list(axes)
    first = data[cells[0][1].key()]
    # a swept setting named like a variable of its results (a count asked for, and the count found) names the
    # axis; the variable becomes <name>_measured (expand_dims refused the clash with a traceback)
    clash = {f: f"{f}_measured" for f in fields if f in first.variables}
    # each variable's own attributes (long_name, units) as the cells carry them: combining drops them
    var_attrs = {clash.get(name, name): dict(v.attrs) for name, v in first.variables.items()}
    pieces = []
    for labels, cfg in cells:
        ds = data[cfg.key()].rename(clash) if clash else data[cfg.key()].copy()
        ds.attrs = {}
        for var in ds.variables.values():
            var.encoding = {}
        pieces.append(ds.expand_dims({f: [lab] for f, lab in zip(fields, labels)}) if fields else ds)
    if fields:
        nested = _nest(pieces, [len(axes[f]) for f in fields])
        # outer join: cells of different sizes (growth's N up to n_max) fill with NaN where a cell has no value
        out = xr.combine_nested(nested, concat_dim=fields, combine_attrs="drop", join="outer", data_vars="all",
                                coords="different", compat="no_conflicts")   # today's defaults, said (no FutureWarning)
        shape = tuple(len(axes[f]) for f in fields)
        for name, (depends, value, attrs) in type(base).sweep_coords().items():
            keep = [f for f in fields if f in depends]  # a derived value varies along the axes it depends on
            index = tuple(slice(None) if f in keep else 0 for f in fields)
            out = out.assign_coords({name: (keep, np.array([value(c) for _, c in cells]).reshape(shape)[index])})
            out[name].attrs.update(attrs)
    else:
        out = pieces[0]
        for name, (_, value, attrs) in type(base).sweep_coords().items():
            out = out.assign_coords({name: value(base)})
            out[name].attrs.update(attrs)
    for name, attrs in var_attrs.items():
        if name in out.variables:
            out[name].attrs = {**attrs, **out[name].attrs}
    settings = type(base).settings()
    for name in type(base).COLUMNS:   # what was not swept is still said: a scalar coordinate per setting
        if name not in fields and name not in out.coords:
            values = [getattr(c, name) for _, c in cells]
            if fields and any(v != values[0] for v in values):   # set by a swept one (a value its choice ignores)
                out = out.assign_coords({name: (fields, np.array(values).reshape(shape))})
            else:
                out = out.assign_coords({name: getattr(base, name)})
    for name in list(fields) + [c for c in type(base).COLUMNS if c not in fields]:
        if name in settings:
            out[name].attrs.setdefault("long_name", settings[name].label)
            if settings[name].kind in ("int", "float") and out[name].dtype.kind in "iuf":
                out[name].attrs.setdefault("units", "1")   # a setting's number is a count or a ratio (CF: "1")
    for f in fields:
        s = settings.get(f)
        if s is not None and s.depends_on and out[f].dtype.kind in "OUS":   # labels kept as written
            out[f].attrs["long_name"] = f"{s.label} as written (its value depends on {s.depends_on})"
    # each cell's entries in the store (explorer store info <run_key>)
    keys = np.array([c.run_key() for _, c in cells], dtype=object)
    out = out.assign(run_key=(fields, keys.reshape(shape)) if fields else ((), keys[0]))
    out["run_key"].attrs.update(long_name="the cell's run key in the store (explorer store info KEY)")
    out.attrs.update(base_config=json.dumps(base.canonical(with_seeds=False), sort_keys=True),
                     grid=json.dumps({f: [_jsonable(v) for v in vs] for f, vs in grid.items()} if grid else {}),
                     seeds=json.dumps(list(base.seeds)), study=type(base).STUDY, title=f"{type(base).STUDY} sweep",
                     comment="Each cell is base_config with the swept settings replaced by its own values on the "
                             "grid's coordinates; run_key names the cell's store entries.",
                     history=f"{utc_now()} explorer {__version__} sweep", explorer_version=__version__)
    return out


def _nest(flat, shape):
    """A row-major flat list as nested lists of the given shape."""
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _label(v):
    """A coordinate label: scalars as they are, anything else (start-time pairs) as text."""
    return v if isinstance(v, (str, int, float, bool, np.number)) else ",".join(map(str, v))


def _jsonable(v):
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)


def save(ds, path) -> None:
    """Write a sweep Dataset to netCDF (the format ``explorer sweep --out`` writes)."""
    from .entry import to_netcdf

    to_netcdf(ds, path)
