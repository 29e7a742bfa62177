"""Command line: ``explorer run specialization …``, ``explorer sweep …``, ``explorer store …``.

Bad values exit with status 2 and one readable line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading

from .config import METRICS, ConfigError, SpecializationConfig

_FIELDS = {  # flag → (config field, type, help)
    "--n": ("n", int, "neurons per module (≥ 2)"),
    "--p": ("p", str, "fraction of the n² possible inter-module links per direction, in [1/n², 1]; '1/n2' = one link"),
    "--bottleneck": ("bottleneck", int, "bottleneck neurons before each readout (0 = none)"),
    "--input": ("input", str, "input pathway: separate | fused | common"),
    "--readout": ("readout", str, "readout: separate (max decision) | common"),
    "--connectivity": ("connectivity", str, "inter-module links: fixed (random mask) | deep-r"),
    "--comms-start": ("comms_start", int, "first time step whose update receives inter-module input"),
    "--dataset": ("dataset", str, "digits (embedded, offline) | mnist | emnist-letters"),
    "--covariance": ("covariance", float, "c ∈ [0,1]: probability that D_1 copies D_0"),
    "--steps": ("steps", int, "T, time steps the inputs are presented"),
    "--noise": ("noise", float, "structured-noise ratio ∈ [0,1] (paper 000 §5.3.1)"),
    "--noise-samples": ("noise_samples", int, "samples mixed into each noisy input"),
    "--start-times": ("start_times", str, "per-digit start steps 't0,t1' or 'random' (paper 000 §5.3.2)"),
    "--epochs": ("epochs", int, "training epochs (the most, with --until-accuracy)"),
    "--until-accuracy": ("until_accuracy", float, "stop once every seed's test accuracy reaches this (0 = off)"),
    "--pairs-per-epoch": ("pairs_per_epoch", int, "training pairs drawn per epoch"),
    "--batch-size": ("batch_size", int, "pairs per training batch"),
    "--lr": ("lr", float, "Adam learning rate of the dense weights"),
    "--deep-r-lr": ("deep_r_lr", float, "Deep-R Adam rate (default: 0.1→0.01 geometric in p)"),
    "--deep-r-temperature": ("deep_r_temperature", float, "Deep-R random-walk temperature at p → 0"),
    "--seeds": ("seeds", str, "number of seeds (0..S−1) or a comma list, e.g. 0,3,7"),
    "--data-dir": ("data_dir", str, "folder holding MNIST / EMNIST (default $EXPLORER_DATA or the user cache)"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        self.exit(2, f"explorer: {message}\n")


def add_run_flags(parser: argparse.ArgumentParser, as_lists: bool = False) -> None:
    """Add one flag per config field (values stay strings when ``as_lists``: sweeps parse comma lists)."""
    defaults = SpecializationConfig()
    for flag, (field, typ, help_) in _FIELDS.items():
        default = getattr(defaults, field)
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        parser.add_argument(flag, dest=field, type=str if as_lists else typ, default=None,
                            help=f"{help_} (default: {shown})")
    parser.add_argument("--one-target", action="store_true", help="train on T' only (default: T' and T'', paper 000 eq. 2)")
    parser.add_argument("--exclusion", action="store_true", help="exclude pairs with (D_1 − D_0) mod 10 ∈ {0,1} (paper 001 §2.1)")


def config_from_args(args) -> SpecializationConfig:
    values = {}
    for _, (field, typ, _) in _FIELDS.items():
        v = getattr(args, field, None)
        if v is None:
            continue
        if field == "seeds":
            v = _parse_seeds(v)
        values[field] = v
    if getattr(args, "one_target", False):
        values["two_targets"] = False
    if getattr(args, "exclusion", False):
        values["exclusion"] = True
    return SpecializationConfig(**values)


def _parse_seeds(v: str):
    try:
        parts = [int(x) for x in str(v).split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--seeds takes a count or a comma list of integers, got {v!r}.") from None
    if len(parts) == 1 and "," not in str(v):
        if parts[0] < 1:
            raise ConfigError(f"--seeds must be at least 1, got {parts[0]}.")
        return parts[0]
    return tuple(parts)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="explorer", description="Watch functional specialization emerge in modular networks.")
    parser.add_argument("--store", default=None, help="run store folder (default $EXPLORER_STORE or the user cache)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="train an ensemble and measure specialization")
    run_sub = run.add_subparsers(dest="study", required=True, parser_class=_Parser)
    spec = run_sub.add_parser("specialization", help="two-module RNNs on the digit-pair task (Béna & Goodman 2023)")
    add_run_flags(spec)
    spec.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    spec.add_argument("--no-cache", action="store_true", help="train even if the run is stored, and store nothing")
    try:
        from .cli_store import add_store_commands, add_sweep_command
    except ImportError:  # store not installed in this build
        pass
    else:
        add_store_commands(sub)
        add_sweep_command(sub, add_run_flags)
    return parser


def _progress_printer(quiet: bool):
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", file=sys.stderr, bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}] {postfix}")

    def on_progress(ev):
        frac = ev.get("fraction") or 0.0   # training fills the first 70 %, the metric suite the rest
        bar.n = min(100.0, {"train": 70 * frac, "metrics": 70 + 30 * frac}.get(ev["stage"], 100.0))
        if ev["stage"] == "train" and ev.get("accuracy"):
            acc = ev["accuracy"]
            bar.set_postfix_str(f"epoch {ev['epoch']}/{ev['epochs']}  test acc {min(acc):.2f}–{max(acc):.2f}")
        elif ev["stage"] == "metrics":
            bar.set_postfix_str(f"metrics: {ev.get('metric', '')}")
        bar.refresh()

    return on_progress, bar.close


def _summary(config: SpecializationConfig, result) -> str:
    s = result.summary()
    acc = s["accuracy"]
    lines = [f"two modules of n = {config.n}, p = {config.p:.4g} ({config.links} link(s) each way), "
             f"Q = {s['Q']:.3f} (measured {sum(s['Q_measured']) / len(acc):.3f}), {len(acc)} seed(s)"
             + ("  [from the store]" if result.cached else ""),
             f"global-task test accuracy: " + ", ".join(f"{a:.3f}" for a in acc),
             "global specialization F per time step (ensemble mean ± sd):"]
    T = config.steps
    lines.append(f"  {'metric':<12}" + "".join(f"   t={t:<9}" for t in range(T)))
    for m in METRICS:
        mu, sd = s["specialization"][m], s["specialization_sd"][m]
        lines.append(f"  {m:<12}" + "".join(f"  {a:5.2f}±{b:4.2f}" for a, b in zip(mu, sd)))
    acc_wm = s["weight_mask_accuracy"]
    lines.append("weight masks' test accuracy on their digit (digit 0 / digit 1, mean over seeds; chance 0.10):")
    lines.append(f"  {'digit 0 / 1':<12}" + "".join(f" {a:4.2f} / {b:4.2f}" for a, b in acc_wm))
    return "\n".join(lines)


def cmd_run(args) -> int:
    config = config_from_args(args)
    on_progress, close = _progress_printer(args.json)
    cancel = threading.Event()
    try:
        if args.no_cache:
            from .runner import run

            result = run(config, on_progress=on_progress, cancel=cancel)
        else:
            from .store import Store

            result = Store(args.store).get_or_run(config, on_progress=on_progress, cancel=cancel)
    finally:
        close()
    if args.json:
        out = {"config": config.canonical(), "key": config.key(), "cached": bool(result.cached)}
        out.update(result.summary())
        print(json.dumps(out))
    else:
        print(_summary(config, result))
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed its one line (or the help)
        return int(e.code or 0)
    try:
        if args.command == "run":
            return cmd_run(args)
        return args.func(args)
    except ConfigError as e:
        print(f"explorer: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("explorer: cancelled; nothing was stored.", file=sys.stderr)
        return 130
    except FloatingPointError as e:
        print(f"explorer: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
