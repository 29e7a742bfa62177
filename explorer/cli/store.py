"""``explorer store ls | info KEY | gc [--max-bytes SIZE] [--dry-run] | export KEY --out DIR`` (``--store PATH``,
``--json``).

``info`` takes an entry key (one seed) or a run key (every seed of one setting: what ``explorer run --json``
prints as ``key``); a unique prefix of at least 4 characters is enough for either.
"""
from __future__ import annotations

import argparse
import json

from ..core.jsontext import json_text
from ..core.progress import plural


def add_store_flag(parser) -> None:
    # SUPPRESS: a --store given before the sub-command is not overwritten by a default here
    parser.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS,
                        help="store folder (default: $EXPLORER_STORE or the per-user cache folder)")


def add_store_commands(subparsers) -> None:
    p = subparsers.add_parser("store", help="list, inspect, bound and export cached runs",
                              description="The run store caches every trained network, one entry per seed.")
    add_store_flag(p)
    verbs = p.add_subparsers(dest="store_command", metavar="{ls,info,gc,rm,verify,export}", required=True,
                             parser_class=type(p))
    common = argparse.ArgumentParser(add_help=False)
    add_store_flag(common)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    ls = verbs.add_parser("ls", parents=[common], help="list entries, most recently used first")
    ls.add_argument("--study", metavar="NAME", help="only this study's entries")
    ls.set_defaults(func=_ls)
    info = verbs.add_parser("info", parents=[common], help="one entry, or every seed of one run, with results")
    info.add_argument("key", help="entry key or run key (a unique prefix of at least 4 characters)")
    info.set_defaults(func=_info)
    gc = verbs.add_parser("gc", parents=[common], help="evict least-recently-used entries down to a size bound")
    gc.add_argument("--max-bytes", metavar="SIZE", help="bound such as 500M or 2G (default: "
                    "$EXPLORER_STORE_MAX_BYTES or 2G)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be evicted and remove nothing")
    gc.add_argument("--stale", action="store_true", help="also remove every stale entry (one no run reads any more: "
                    "stored by an earlier version of its study or under an earlier form of its setting)")
    gc.set_defaults(func=_gc)
    rm = verbs.add_parser("rm", parents=[common], help="remove one entry, or every seed's entry of one run")
    rm.add_argument("key", help="entry key or run key (a unique prefix of at least 4 characters)")
    rm.add_argument("--dry-run", action="store_true", help="list what would be removed and remove nothing")
    rm.set_defaults(func=_rm)
    verify = verbs.add_parser("verify", parents=[common], help="check every entry's files and checksums")
    verify.add_argument("--fix", action="store_true", help="remove the entries that fail (they are trained again "
                        "when asked for)")
    verify.set_defaults(func=_verify)
    ex = verbs.add_parser("export", parents=[common], help="copy one verified entry and a results.csv to a folder")
    ex.add_argument("key", help="entry key (a unique prefix of at least 4 characters)")
    ex.add_argument("--out", metavar="DIR", required=True,
                    help="destination folder (created; must not hold the exported file names)")
    ex.set_defaults(func=_export)


def _store(args):
    from ..store.store import Store

    return Store(getattr(args, "store", None))


def table(rows: list[dict], columns: list[str]) -> str:
    cells = [[str(r.get(c)) if r.get(c) is not None else "-" for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def mb(n: int) -> str:
    """Bytes as a short human size (decimal units, like the bounds: 500M, 2G)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def flat(d: dict, prefix: str = "") -> dict:
    """A nested summary as one level: ``{"F_final": {"ablation": 0.3}}`` → ``{"F_final.ablation": 0.3}``."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _short(v) -> str:
    """A result number to 6 significant digits (a fraction reached reads 1 or 0, not 1.0000; a length of tens
    of thousands stays a number, not 3e+04); anything else as it is (text) or as JSON."""
    return f"{v:.6g}" if isinstance(v, float) else _plain(v)


def _plain(v) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _no_store_yet(root) -> str:
    """What a store path with no folder means: a typo, or a store the first run will make."""
    from ..core.files import check_creatable, why

    try:
        check_creatable(root)
    except OSError as e:
        return f"no store there, and none can be made: {why(e)}"
    return "no store there yet: the first run makes it"


def _ls(args) -> int:
    store = _store(args)
    rows = every = store.ls()
    if args.study is not None:
        from .. import studies

        name = studies.get(args.study).name   # an unknown study: the registry's sentence, naming every study
        rows = [r for r in rows if r["study"] == name]
    if args.json:
        print(json_text(rows, indent=1))
        return 0
    shown = [{**r, "key": r["key"][:12], "run": (r.get("run") or "")[:12] or None, "size": mb(r["bytes"]),
              "stale": "stale" if r["stale"] else ""} for r in rows]
    if shown:
        print(table(shown, ["key", "run", "study", "seed", "setting", "size", "last_used", "stale"]))
    where = "" if store.root.is_dir() else f" ({_no_store_yet(store.root)})"
    listed = f"{plural(len(rows), args.study + ' entry')} ({mb(sum(r['bytes'] for r in rows))}) of " if args.study \
        else ""
    print(f"{listed}{plural(len(every), 'entry')}, {mb(sum(r['bytes'] for r in every))} of {mb(store.max_bytes)} in "
          f"{store.root}{where}")
    old = [r for r in rows if r["stale"]]
    if old:
        print(f"{len(old)} of them stale ({mb(sum(r['bytes'] for r in old))}): stored by an earlier version of their "
              "study or under an earlier form of their setting, no run reads them; 'explorer store gc --stale' "
              "removes them.")
    return 0


def _lookup(store, key: str):
    """("entry", info) or ("run", [info per seed]) for an entry key or a run key; one sentence if neither."""
    from ..store.catalogue import StoreError

    try:
        entry = store.info(key)
    except StoreError as e:
        if "no stored run" not in str(e):
            raise
        entry = None
    runs = store.run_entries(key)
    if entry is not None and runs and entry["key"] not in runs:
        raise StoreError(f"key {key} is ambiguous: it starts an entry key and a run key; give more characters.")
    if entry is not None:
        return "entry", entry
    if not runs:
        raise StoreError(f"no stored run has key {key} in {store.root} (as an entry key or a run key).")
    found = []
    for k in runs:   # a damaged seed is named, not a reason to refuse the run's healthy ones
        try:
            found.append(store.info(k))
        except StoreError as e:
            found.append({"key": k, "unusable": str(e)})
    return "run", found


def _info(args) -> int:
    from ..store.catalogue import StoreError

    store = _store(args)
    kind, found = _lookup(store, args.key)
    if kind == "run":
        damaged = [i for i in found if "unusable" in i]
        found = [i for i in found if "unusable" not in i]
        if not found:
            raise StoreError(damaged[0]["unusable"])
        out = {"run": _run_of(found[0]), "study": found[0]["config"].get("study"), "config": found[0]["config"],
               "entries": [{"key": i["key"], "seed": i["seed"], "summary": i["summary"]} for i in found],
               "unusable": [{"key": i["key"], "why": i["unusable"]} for i in damaged]}
        if args.json:
            print(json_text(out, indent=1))
            return 0
        seeds = ", ".join(str(i["seed"]) for i in found)
        print(f"{'run':<30}{out['run']}\n{'study':<30}{out['study']}\n{'seeds stored':<30}{seeds}")
        for i in damaged:
            print(f"{'unusable entry':<30}{i['unusable']}")
        print("config:")
        for k, v in sorted(out["config"].items()):
            print(f"  {k:<28}{_plain(v)}")
        rows = [{"key": e["key"][:12], "seed": e["seed"], **{k: _short(v) for k, v in flat(e["summary"]).items()}}
                for e in out["entries"]]
        print("entries:")
        print(table(rows, list(dict.fromkeys(c for r in rows for c in r))))
        return 0
    info = found
    if args.json:
        print(json_text(info, indent=1))
        return 0
    print(f"{'key':<30}{info['key']}\n{'run':<30}{_run_of(info)}\n{'path':<30}{info['path']}\n"
          f"{'seed':<30}{info['seed']}")
    for section in ("config", "provenance", "files"):
        print(f"{section}:")
        for k, v in sorted(info[section].items()):
            print(f"  {k:<28}{_plain(v)}")
    print("results:")
    for k, v in flat(info["summary"]).items():
        print(f"  {k:<28}{_short(v)}")
    return 0


def _run_of(info: dict) -> str:
    from ..core.config import content_key

    return content_key(info["config"])


def _rm(args) -> int:
    store = _store(args)
    store._readable()
    kind, found = _lookup(store, args.key)
    keys = [found["key"]] if kind == "entry" else [i["key"] for i in found]
    gone = keys if args.dry_run else store.remove(keys)
    if args.json:
        print(json_text({"would_remove" if args.dry_run else "removed": gone, "dry_run": bool(args.dry_run)},
                        indent=1))
        return 0
    what = "would remove" if args.dry_run else "removed"
    for key in gone:
        print(f"{what} {key[:12]}")
    print(f"{what} {plural(len(gone), 'entry')}" + (" (every seed of the run)" if kind == "run" else "")
          + (". Nothing was removed." if args.dry_run else "."))
    return 0


def _verify(args) -> int:
    store = _store(args)
    store._readable()
    total = len(store._entries())
    bad = store.verify(fix=args.fix)
    damaged = [k for k, _, d in bad if d]
    left = len(bad) - len(damaged)
    if args.json:
        # "removed" lists the keys --fix removed, as `store rm --json` does: an entry that could not be read now
        # is left in place and is not among them.
        print(json_text({"entries": total, "failed": [{"key": k, "why": w, "damaged": d} for k, w, d in bad],
                         "removed": damaged if args.fix else []}, indent=1))
        return 1 if (damaged and not args.fix) or left else 0
    for key, reason, _ in bad:
        print(f"{key[:12]}  {reason}")
    if not bad:
        print(f"all {plural(total, 'entry')} in {store.root} passed their checks (files, checksums, config, "
              "contents)." if total or store.runs.is_dir() else f"there is no store at {store.root} yet: nothing to "
              "check.")
        return 0
    if damaged:
        print(f"{len(damaged)} of {plural(total, 'entry')} failed their checks; "
              + ("removed: a run that asks for them trains them again." if args.fix else
                 "none of them is ever served (reading checks the same); 'explorer store verify --fix' removes "
                 "them."))
    if left:
        print(f"{plural(left, 'entry')} could not be read now and {'were' if left > 1 else 'was'} left as "
              f"{'they are' if left > 1 else 'it is'}: check the store folder's permissions and disk, or remove "
              f"{'them' if left > 1 else 'it'} with 'explorer store rm KEY' to train {'them' if left > 1 else 'it'} "
              "again.")
    return 0 if args.fix and not left else 1


def _gc(args) -> int:
    from ..store.place import parse_bytes

    store = _store(args)
    bound = parse_bytes(store.max_bytes if args.max_bytes is None else args.max_bytes)
    store._readable()   # a file given as the store is refused, not reported as an empty store
    if args.dry_run:
        sizes = {key: size for _, key, size in store._entries()}
        evicted = store.gc(bound, dry_run=True, stale=args.stale)
        left = sum(sizes.values()) - sum(sizes[k] for k in evicted)
        out = {"would_evict": evicted, "bytes": left, "max_bytes": bound, "dry_run": True}
        if args.json:
            print(json_text(out, indent=1))
        else:
            for key in evicted:
                print(f"would evict {key[:12]}  {mb(sizes[key])}")
            print(f"would evict {plural(len(evicted), 'entry')} (least recently used first); the store would hold "
                  f"{mb(left)} of {mb(bound)}. Nothing was removed.")
        return 0
    evicted = store.gc(bound, stale=args.stale)
    out = {"evicted": evicted, "bytes": store.size(), "max_bytes": bound}
    if args.json:
        print(json_text(out, indent=1))
    else:
        print(f"evicted {plural(len(evicted), 'entry')}; the store holds {mb(out['bytes'])} of {mb(bound)}.")
    return 0


def _export(args) -> int:
    from ..store.catalogue import StoreError

    store = _store(args)
    kind, found = _lookup(store, args.key)
    if kind == "run":   # what --json prints as "key": several entries, one per seed
        raise StoreError(f"{args.key} is a run's key; export takes one entry (one seed): its entries are "
                         f"{', '.join(i['key'][:12] for i in found)}.")
    paths = store.export(found["key"], args.out)
    if args.json:
        print(json_text([str(p) for p in paths]))
    else:
        print(f"exported {len(paths)} files to {paths[0].parent}")
    return 0
