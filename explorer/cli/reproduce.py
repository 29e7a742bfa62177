"""``explorer reproduce <figure>``: a paper's figure at laptop scale (docs/gallery.md), saved as PNG, SVG, netCDF
and JSON; ``--list`` names every figure; ``--scale paper`` grows it toward the paper's size (for a cluster:
``--scheduler``)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..core.config import ConfigError
from ..core.progress import plural
from .store import add_store_flag


def add_reproduce_command(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="reproduce a paper's figure (sweep, PNG/SVG, netCDF, headline)",
                              description="Run a paper's figure as a sweep through the store and save it; the "
                              "figures and what reproduced are in docs/gallery.md.")
    p.add_argument("figure", nargs="*", metavar="FIGURE", help="figure names (see --list), or 'all'")
    p.add_argument("--list", action="store_true", help="list the figures with the paper and its claim")
    p.add_argument("--scale", default="laptop", choices=["tiny", "laptop", "paper"],
                   help="tiny: seconds, not a result (tests); laptop: minutes on 2 cores (default); paper: toward "
                        "the paper's size (more seeds, n = 100, MNIST)")
    p.add_argument("--out", default="figures", metavar="DIR", help="folder for the files (default: ./figures)")
    p.add_argument("--force", action="store_true", help="replace figure files already in --out")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a dask.distributed scheduler to train on")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (as run's and sweep's)")
    add_store_flag(p)
    p.set_defaults(func=cmd_reproduce)


def out_folder(path: str, names=(), force: bool = False) -> Path:
    """``--out`` checked before any work: writable where it is, or creatable from its nearest existing folder
    (it is made when the first figure is saved, so a run that fails leaves no empty folder behind), and none of
    the files of figures ``names`` already in it unless ``force``; else one sentence (ConfigError)."""
    from ..core.files import check_creatable, expanded, why
    from ..reproduce import output_paths

    out = expanded(path, "--out")
    if not path.strip():
        raise ConfigError("--out needs a folder name (it is empty).")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; the figures go into a folder: give a folder name.")
    try:
        check_creatable(out)
    except OSError as e:
        raise ConfigError(f"--out {out}: cannot make or write into this folder ({why(e)}).") from None
    there = [p.name for name in names for p in output_paths(out, name) if p.exists()]
    if there and not force:
        raise ConfigError(f"--out {out} already holds {', '.join(there[:4])}{' …' if len(there) > 4 else ''}; "
                          "pass --force to replace them or choose another folder.")
    return out


def cmd_reproduce(args) -> int:
    from ..reproduce import figures

    every = figures()
    if args.list and args.figure:
        raise ConfigError("--list names every figure and takes no figure names; give the names without --list to "
                          "reproduce them.")
    if args.list or not args.figure:
        for name, (study, fig) in every.items():
            print(f"{name:<10} {fig.paper}: {fig.claim}")
        return 0
    names = list(every) if args.figure == ["all"] else list(dict.fromkeys(args.figure))   # each figure once
    from ..reproduce import plan, reproduce

    for name in names:
        plan(name, args.scale)   # an unknown name, or a cell that cannot exist, is refused before anything trains
    from ..store.store import Store

    store = Store(getattr(args, "store", None))
    store.ensure_writable()
    out = out_folder(args.out, names, args.force)   # refused before any training
    bars = sys.stderr.isatty() and not args.no_progress
    for name in names:
        r = reproduce(name, args.scale, store=store, scheduler=args.scheduler, progress=bars)
        paths = r.save(out)
        h = r.headline
        missed = h.get("below_criterion") or []
        print(f"{name} ({r.figure.paper}, {args.scale}, {r.seconds:.0f} s, {plural(r.trained, 'cell')} trained): "
              f"{r.verdict()}.")
        print(f"  {h['sentence']}")
        lo, hi = h["accuracy"]
        digits = 3 if f"{lo:.2f}" == f"{hi:.2f}" else 2   # 0.852–0.854, not 0.85–0.85
        print(f"  seeds {h['seeds']}, test accuracy {lo:.{digits}f}–{hi:.{digits}f}"
              + (f"; {len(missed)} of {h['networks']} networks below the criterion: {'; '.join(missed[:4])}"
                 + (" …" if len(missed) > 4 else "") if missed else ""))
        print(f"  wrote {', '.join(str(p) for p in paths)}")
    return 0
