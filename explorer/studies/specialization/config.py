"""The specialization study's settings, each declared once (Béna & Goodman 2023a, 2023b).

Parameter names follow the papers: Béna & Goodman 2023a, *Dynamics of specialization in neural modules under
resource constraints*, and Béna & Goodman 2023b, *Extreme sparsity gives rise to functional specialization*
(full references in docs/papers.md). Everything that changes a computed number is a field here; its canonical
JSON is the run's identity in the store.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...core.config import MAX_SEEDS, ConfigError, StudyConfig
from ...core.fields import setting
from ...metrics.structure import n_links, q_analytic

INPUTS = ("separate", "fused", "common")
READOUTS = ("separate", "common")
DATASETS = ("digits", "mnist", "emnist-letters")
CONNECTIVITIES = ("fixed", "deep-r")
DEVICES = ("auto", "cpu", "cuda")
METRICS = ("bottleneck", "ablation", "correlation", "weight_mask")
#: The papers' names for the four specialization metrics (Béna & Goodman 2023a, §2.4; 2023b, §3).
METRIC_LABELS = {
    "bottleneck": "bottleneck retraining",
    "ablation": "module ablation",
    "correlation": "hidden-state correlation",
    "weight_mask": "weight mask",
}
N_MAX = 512
T_MAX = 50


_NOT_P = "sparsity p must be a number from 1/n² to 1, or '1/n2' (one link); got {value!r}."


def parse_p(value, n: int) -> float:
    """Parse the inter-module sparsity p; accepts a number or the string ``"1/n2"`` (one link)."""
    if isinstance(value, str):
        v = value.strip().lower().replace("²", "2").replace("^2", "2")
        if v in ("1/n2", "1/n*n", "min"):
            return 1.0 / (n * n)
        try:
            value = float(v)
        except ValueError:
            raise ConfigError(_NOT_P.format(value=value)) from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(_NOT_P.format(value=value)) from None


S, T, TIME, TRAIN = "Structure", "Task", "Time", "Training"


@dataclass(frozen=True)
class SpecializationConfig(StudyConfig):
    """One run of the two-module specialization study.

    Per-network settings (``per_network``: may differ inside one batched ensemble) are p, covariance, noise,
    start_times, comms_start and the seed; every other setting fixes tensor shapes or the training schedule.
    """

    STUDY = "specialization"
    #: Not bumped for the projected timed inputs (noise / start times projected without materialising them,
    #: 2026-12-01): static configs stay bit-identical and timed ones move by float rounding only (at most 6.2e-8,
    #: in the correlation metric, on the three reference configs) — less than BLAS builds differ — so stored runs
    #: stay valid. 6: each network stops at its own accuracy criterion (before, an ensemble trained until its
    #: slowest network reached it, so a run's numbers depended on what it was trained with; Deep-R runs are at 7,
    #: :meth:`schema`);
    #: 5: ablation readout solved by FISTA (converged), weight masks scored on either readout;
    #: 4: probes with the fixed data term of the gradient split off; exact per-network link gates;
    #: 3: cross-entropy as logsumexp − label logit; 2: bottleneck probes 60 steps at 0.3, tanh via sigmoid
    SCHEMA = 6
    COLUMNS = ("n", "p", "covariance", "epochs")
    SWEEP_EXAMPLE = "--n 10,25 --covariance 0,0.5; --p 1/n2:1:8 is a log grid of 8 points"
    #: old CLI spellings kept working: flag → (setting, value it sets, help)
    CLI_ALIASES = {"--one-target": ("two_targets", False, "train on T′ only (the same as --no-two-targets)")}
    #: The defaults compare networks at equal skill (docs/gallery.md, "Equal skill"): every network is trained until
    #: it reaches test accuracy 0.85, within 150 epochs, at Adam rate 0.005. ``equal-skill`` names that recipe (the
    #: figures of ``explorer reproduce``); ``fixed-epochs`` is the earlier fixed-length training, one flag away.
    PRESETS = {"equal-skill": {"until_accuracy": 0.85, "epochs": 150, "lr": 0.005},
               "fixed-epochs": {"until_accuracy": 0.0, "epochs": 40, "lr": 0.02}}
    PRESET_DOCS = {"equal-skill": "the defaults: train every network to test accuracy 0.85 within 150 epochs at Adam "
                                  "rate 0.005, at which one-link networks get there for n ≥ 25 on most seeds (not for "
                                  "n ≤ 15; docs/gallery.md)",
                   "fixed-epochs": "40 epochs at Adam rate 0.02 with no accuracy criterion (the explorer's earlier "
                                   "defaults; the papers train with Adadelta at 0.5, Béna & Goodman 2023b, "
                                   "Table 1): sparse and dense networks end at different skill"}

    # --- structure (Béna & Goodman 2023a §2.1, §2.3; 2023b eq. 3) ---
    n: int = setting(25, label="module size n", kind="int", group=S, bounds=(2, N_MAX), soft=(4, 64),
                     doc="Neurons per module (Béna & Goodman 2023b, eq. 3). Larger modules can each solve more "
                         "of the task.")
    p: float = setting(0.1, label="sparsity p", kind="float", group=S, bounds=(1.0 / N_MAX**2, 1.0),
                       per_network=True, bounds_words="1/n² to 1", depends_on="n",
                       cli_help="fraction of the n² possible links from one module to the other, in each direction: "
                                "1/n² (write 1/n2) is a single link, 1 is dense (Béna & Goodman 2023b, §2.3)",
                       doc="Fraction of the n² possible links from one module to the other, in each direction: "
                           "1/n² is a single link, 1 is dense (Béna & Goodman 2023b, §2.3). '1/n2' is accepted.")
    bottleneck: int = setting(5, label="bottleneck", kind="int", group=S, bounds=(0, 4 * N_MAX), soft=(0, 25),
                              doc="Neurons between each module and its readout; 0 = none (Béna & Goodman 2023b, "
                                  "Fig. 1b). At most 4n.")
    input: str = setting("separate", label="input pathway", kind="choice", group=S, choices=INPUTS,
                         doc="separate: module m sees digit m only; fused / common: both see both "
                             "(Béna & Goodman 2023a, Fig. 1B).")
    readout: str = setting("separate", label="readout", kind="choice", group=S, choices=READOUTS, advanced=True,
                           doc="separate: each module has a readout and the more confident one decides (max "
                               "decision, Béna & Goodman 2023b, §2.2); common: one readout of both modules.")
    connectivity: str = setting("fixed", label="links", kind="choice", group=S, choices=CONNECTIVITIES,
                                advanced=True,
                                doc="fixed: a random mask of inter-module links; deep-r: the links rewire during "
                                    "training at a fixed count (Deep-R, Béna & Goodman 2023b, §2.4).")
    # --- task and stimulus (Béna & Goodman 2023a §2.2, §3.2, §5.3) ---
    dataset: str = setting("digits", label="dataset", kind="choice", group=T, choices=DATASETS,
                           doc="digits: scikit-learn's embedded 8×8 digits (offline); mnist; emnist-letters "
                               "(module 1 sees letters, Béna & Goodman 2023a, §2.2.1).")
    covariance: float = setting(0.0, label="covariance c", kind="float", group=T, bounds=(0.0, 1.0), step=0.05,
                                per_network=True,
                                doc="Probability that digit 1 copies digit 0: 0 independent, 1 identical "
                                    "(Béna & Goodman 2023a, §3.2).")
    two_targets: bool = setting(True, label="balanced targets T′ and T″", kind="bool", group=T, advanced=True,
                                doc="Train on T′ and the balancing second target T″ (Béna & Goodman 2023a, eq. 2).")
    exclusion: bool = setting(False, label="exclude (D₁−D₀) mod 10 ∈ {0, 1}", kind="bool", group=T,
                              advanced=True, doc="The exclusion rule for digit pairs (Béna & Goodman 2023b, §2.1).")
    steps: int = setting(5, label="time steps T", kind="int", group=TIME, bounds=(1, T_MAX), soft=(1, 12),
                         doc="Steps the input is presented; specialization is measured at each step.")
    comms_start: int = setting(0, label="communication starts at step", kind="int", group=TIME,
                               bounds=(0, T_MAX - 1), soft=(0, 4), per_network=True,
                               doc="First time step whose update receives inter-module input (Béna & Goodman "
                                   "2023a, Fig. 4B). At most T − 1. 0 and 1 train the same networks: step 0 "
                                   "starts from rest, so no module has a state to send before step 1.")
    noise: float = setting(0.0, label="noise ratio", kind="float", group=TIME, bounds=(0.0, 1.0), step=0.05,
                           per_network=True,
                           doc="Structured noise: each step mixes in other samples at this ratio (Béna & Goodman "
                               "2023a, §5.3.1).")
    noise_samples: int = setting(5, label="noise samples", kind="int", group=TIME, bounds=(1, 64), soft=(1, 16),
                                 advanced=True,
                                 doc="Samples averaged into each step's noise (Béna & Goodman 2023a, §5.3.1).")
    start_times: tuple = setting((0, 0), label="digit start times", kind="custom", group=TIME, per_network=True,
                                 cli_help="per-digit start steps 't0,t1', one step t for both, or 'random'",
                                 doc="Step at which digit k switches on, pure noise before (Béna & Goodman 2023a, "
                                     "Fig. 4D); 'random' draws them per sample in [1, T−2] (§5.3.2).")
    # --- training (Béna & Goodman 2023b, Table 1) ---
    epochs: int = setting(150, label="epochs", kind="int", group=TRAIN, bounds=(1, 10_000), soft=(1, 200),
                          doc="Training epochs (the most, with 'stop at accuracy'). Under-trained networks look "
                              "specialized: check the accuracy.")
    until_accuracy: float = setting(0.85, label="stop at accuracy", kind="float", group=TRAIN, bounds=(0.0, 1.0),
                                    step=0.01, advanced=True,
                                    doc="Each network stops once its test accuracy reaches this criterion (0 = train "
                                        "all epochs); networks that miss it are named. Compare specialization at "
                                        "equal accuracy (docs/gallery.md, 'Equal skill').")
    pairs_per_epoch: int = setting(8192, label="pairs per epoch", kind="int", group=TRAIN, bounds=(1, 10_000_000),
                                   soft=(256, 32_768), step=256, log=True, advanced=True,
                                   doc="Digit pairs drawn per epoch.")
    batch_size: int = setting(128, label="batch size", kind="int", group=TRAIN, bounds=(1, 65_536),
                              soft=(16, 1024), log=True, advanced=True, doc="Pairs per gradient step.")
    lr: float = setting(5e-3, label="learning rate", kind="float", group=TRAIN, bounds=(1e-7, 10.0),
                        soft=(1e-4, 3e-2), log=True, advanced=True,
                        doc="Adam learning rate of the dense weights, cosine-decayed to 5 %. The explorer's earlier "
                            "default 0.02 left one-link networks short of the criterion; 0.005 lets them reach it "
                            "(docs/gallery.md, 'Equal skill'). The papers use Adadelta at 0.5 (Béna & Goodman "
                            "2023b, Table 1).")
    deep_r_lr: float | None = setting(None, label="Deep-R learning rate", kind="float", group=TRAIN,
                                      bounds=(1e-7, 10.0), soft=(1e-3, 0.2), allow_none=True, advanced=True,
                                      doc="Adam rate of Deep-R's θ; empty: 0.1→0.01 geometric in p (Béna & "
                                          "Goodman 2023b, Table 1).")
    deep_r_temperature: float = setting(1e-5, label="Deep-R temperature", kind="float", group=TRAIN,
                                        bounds=(0.0, 1.0), soft=(1e-7, 1e-3), log=True, advanced=True,
                                        doc="Random-walk temperature of Deep-R at p → 0, annealed to 0 at p = 1.")
    seeds: tuple = setting((0, 1, 2, 3, 4), label="seeds", kind="seeds", group=TRAIN, bounds=(1, MAX_SEEDS),
                           soft=(1, 20), sweepable=False,
                           doc="Networks in the ensemble (a count k: seeds 0 … k−1; on the command line also a "
                               "list such as 0,2), trained together in one batched pass; curves show their mean "
                               "and sd.")
    data_dir: str | None = setting(None, label="data folder", kind="text", group=TRAIN, allow_none=True,
                                   identity=False, advanced=True, sweepable=False, local=True,
                                   empty="$EXPLORER_DATA, else the user cache",
                                   doc="Where MNIST / EMNIST files live. Where they live is not part of a run's "
                                       "identity; what they hold is (a hash of the files, 'data' in the stored "
                                       "setting). A served page keeps the server's folder (greyed out).")
    device: str = setting("auto", label="device", kind="choice", group=TRAIN, choices=DEVICES, identity=False,
                          advanced=True, sweepable=False,
                          doc="Where the ensemble trains and is measured: auto = a CUDA GPU when torch sees one, "
                              "else the CPU (not part of a run's identity; the store records the device used).")

    # ------------------------------------------------------------------ validation
    def normalise(self):
        n = self.n
        if not isinstance(n, int) or isinstance(n, bool) or n < 2 or n > N_MAX:
            raise ConfigError(f"n (neurons per module) must be an integer from 2 to {N_MAX}, got {n!r}.")
        p = parse_p(self.p, n)
        if not (1.0 / (n * n) - 1e-12 <= p <= 1.0):
            raise ConfigError(f"p must lie in [1/n², 1] = [{1 / (n * n):.3g}, 1] for n = {n}, got {p:g}.")
        self._set("p", p)

    def validate(self):
        if self.bottleneck > 4 * self.n:
            raise ConfigError(f"bottleneck must be an integer from 0 to {4 * self.n} (4n), got {self.bottleneck}.")
        if self.comms_start > self.steps - 1:
            raise ConfigError(f"comms_start must be an integer from 0 to {self.steps - 1} (the last step is "
                              f"T−1 = {self.steps - 1}), got {self.comms_start}.")
        self._set("start_times", parse_start_times(self.start_times, self.steps))
        pairs = min(self.batch_size, self.pairs_per_epoch)
        if (self.noise > 0 or self.start_times != (0, 0)) and pairs <= self.noise_samples:
            raise ConfigError(f"structured noise mixes {self.noise_samples} other samples of a batch, so a batch "
                              f"needs more than {self.noise_samples} pairs; this one has {pairs} (raise the batch "
                              "size or pairs per epoch, or lower noise samples).")
        if self.connectivity != "deep-r":
            self._unread("deep_r_lr", "deep_r_temperature")
        if self.noise == 0 and self.start_times == (0, 0):   # nothing is mixed: no sample is drawn to mix
            self._unread("noise_samples")

    # ------------------------------------------------------------------ derived
    @property
    def Q(self) -> float:
        """Analytic structural modularity Q = (1−p) / (2(1+p)) (Béna & Goodman 2023a, eq. 4; 2023b, eq. 5)."""
        return float(q_analytic(self.p))

    @property
    def links(self) -> int:
        """Inter-module links in each direction."""
        return n_links(self.p, self.n)

    @property
    def n_targets(self) -> int:
        return 2 if self.two_targets else 1

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["start_times"] = self.start_times if isinstance(self.start_times, str) else list(self.start_times)
        return d

    def work(self) -> float:
        """Seeds × the most epochs × pairs × time steps × the modules' weights (recurrent and input)."""
        features = 64 if self.dataset == "digits" else 784
        return float(len(self.seeds) * self.epochs * self.pairs_per_epoch * self.steps * self.n * (self.n + features))

    def schema(self) -> int:
        """7 with Deep-R links: every network draws its rewiring scores at every step (before, only when a network
        of its ensemble lacked links, so a network's draws depended on its mates); fixed links never draw, so their
        stored runs stay at :attr:`SCHEMA`."""
        return 7 if self.connectivity == "deep-r" else self.SCHEMA

    def prepare(self) -> None:
        """MNIST / EMNIST files fetched (torchvision's download) when some are not there yet, so that the run's key
        names the files it trains on; a DatasetUnavailable sentence when they cannot be had."""
        from ...tasks.datasets import MISSING, fingerprint, load_sources

        if fingerprint(self.dataset, self.data_dir) == MISSING:
            load_sources(self.dataset, self.data_dir)

    def data_identity(self) -> dict:
        """The MNIST / EMNIST files a run reads, hashed (:func:`explorer.tasks.datasets.fingerprint`): other files
        in the data folder are another run, and a folder without them is not the stored run."""
        from ...tasks.datasets import fingerprint

        found = fingerprint(self.dataset, self.data_dir)
        return {} if found is None else {"data": found}

    @classmethod
    def parse_field(cls, name: str, text: str, values: dict):
        """A setting's value from text (CLI, URL, sweep), given the other values chosen (p depends on n)."""
        if name == "p":
            return parse_p(text, values.get("n", cls.n))
        return text

    @classmethod
    def sweep_coords(cls) -> dict:
        return _sweep_coords()


def _sweep_coords():
    return {"p_value": (("p", "n"), lambda c: c.p, {"long_name": "inter-module sparsity p", "units": "1"}),
            "Q": (("p", "n"), lambda c: c.Q,
                  {"long_name": "analytic structural modularity Q = (1−p)/(2(1+p))", "units": "1"})}


def parse_start_times(value, steps):
    """Per-digit start times: 'random' (Béna & Goodman 2023a, §5.3.2) or two steps in [0, T−1]."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "random":
            if steps < 3:
                raise ConfigError("random start times need at least 3 time steps (they fall in [1, T−2]).")
            return "random"
        try:
            value = tuple(int(x) for x in v.split(","))
        except ValueError:
            raise ConfigError(f"start times must be 'random', two steps like '0,2' or one step for both, got "
                              f"{value!r}.") from None
    try:
        t = tuple(int(x) for x in value)
    except (TypeError, ValueError):
        raise ConfigError(f"start times must be 'random' or two integer steps, got {value!r}.") from None
    if len(t) == 1:
        t = (t[0], t[0])
    if len(t) != 2:
        raise ConfigError(f"start times need one step per digit (two), got {len(t)}.")
    for k, tk in enumerate(t):
        if not 0 <= tk < steps:
            raise ConfigError(f"start time of digit {k} must be a step in [0, T−1] = [0, {steps - 1}], got {tk}.")
    return t
Config = SpecializationConfig

#: A setting that trains and measures in seconds (the house's contract test runs every study on its TINY).
TINY = dict(n=4, steps=3, bottleneck=2, epochs=1, pairs_per_epoch=256, batch_size=64, seeds=2)
