"""Two-module RNN ensembles (Béna & Goodman 2023b, §2.2 eq. 3; 2023a, §2.1 and fig. 1B).

One :class:`ModularEnsemble` holds E independent networks on the leading dimension of every tensor.
Each network has two dense recurrent modules of n tanh neurons coupled by sparse inter-module links:

    h_t^(m) = tanh( W_ih^(m) x_t^(m) + β^(m) + W_hh^(m) h_{t−1}^(m) + g_t W_sparse^(m'→m) h_{t−1}^(m') )   (001 eq. 3)

with g_t = 1 from the communication start on (Béna & Goodman 2023a, fig. 4B), 0 before. The whole state is one
vector of 2n neurons (module 0 first) and one (2n × 2n) recurrent matrix per network: dense diagonal
blocks, masked off-diagonal blocks. Pathways (Béna & Goodman 2023a, fig. 1B):

* input ``separate``: module m sees only digit m; ``fused``: each module sees both digits through its own
  weights; ``common``: one shared input layer feeds the same current to both modules.
* readout ``separate``: each module has its own readout r^(m) (through its own bottleneck b^(m) if b>0)
  and the max decision picks μ = argmax_m max r^(m), r_out = r^(μ) (Béna & Goodman 2023b, §2.2); ``common``: one
  readout of both modules' (bottleneck) states.

Weights are initialised U(−0.1, 0.1) as in Béna & Goodman 2023b, §2.2.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..core.subsets import take
from ..metrics.structure import n_links
from ..tasks.timing import TimedInputs
from . import recurrence
from .deep_r import DeepR


def _uniform(gens, shape, scale=0.1):
    """One U(−scale, scale) tensor per network, each from that network's own generator."""
    return torch.stack([(torch.rand(shape, generator=g) * 2 - 1) * scale for g in gens])


class ModularEnsemble(nn.Module):
    """E two-module RNNs trained together. ``members`` are per-network dicts with seed, p, comms_start."""

    def __init__(self, members: list[dict], *, n: int, features: int, bottleneck: int = 5,
                 input: str = "separate", readout: str = "separate", n_targets: int = 2,
                 connectivity: str = "fixed", classes: int = 10):
        super().__init__()
        E = len(members)
        self.E, self.n, self.b = E, n, bottleneck
        self.input_mode, self.readout_mode = input, readout
        self.n_targets, self.classes = n_targets, classes
        self.seeds = [int(m["seed"]) for m in members]
        self.p = torch.tensor([float(m["p"]) for m in members])
        self.links = torch.tensor([n_links(float(m["p"]), n) for m in members])
        self.register_buffer("comms_start", torch.tensor([int(m.get("comms_start", 0)) for m in members]))
        gens = [torch.Generator().manual_seed(int(m["seed"]) * 1_000_003 + 17) for m in members]

        f_in = features if input == "separate" else 2 * features
        n_in = 1 if input == "common" else 2
        self.W_in = nn.Parameter(_uniform(gens, (n_in, n, f_in)))
        self.b_h = nn.Parameter(_uniform(gens, (2, n)))
        self.W_hh = nn.Parameter(_uniform(gens, (2, n, n)))
        # inter-module links, direction 0: module 0 → 1, direction 1: module 1 → 0; rows receive
        self.inter = DeepR(gens, self.links, n, trainable_mask=(connectivity == "deep-r"),
                           p=self.p)
        d = bottleneck if bottleneck > 0 else n
        if bottleneck > 0:
            self.W_hb = nn.Parameter(_uniform(gens, (2, bottleneck, n)))
            self.b_hb = nn.Parameter(_uniform(gens, (2, bottleneck)))
        C = n_targets * classes
        if readout == "separate":
            self.W_r = nn.Parameter(_uniform(gens, (2, C, d)))
            self.b_r = nn.Parameter(_uniform(gens, (2, C)))
        else:
            self.W_r = nn.Parameter(_uniform(gens, (C, 2 * d)))
            self.b_r = nn.Parameter(_uniform(gens, (C,)))

    def select(self, idx: torch.Tensor) -> "ModularEnsemble":
        """The networks ``idx`` (a long tensor) as an ensemble of their own: copies of their weights and Deep-R
        state, and the same random generators, so each network goes on drawing its own stream."""
        sub = take(self, idx)
        keep = idx.tolist()
        sub.E, sub.seeds = len(keep), [self.seeds[i] for i in keep]
        sub.p, sub.links = self.p[keep], self.links[keep]
        sub.inter.gens = [self.inter.gens[i] for i in keep]
        return sub

    # ------------------------------------------------------------------ pieces
    def dense_parameters(self):
        return [p for name, p in self.named_parameters() if not name.startswith("inter.")]

    def recurrent_matrix(self, W_hh=None, W_inter=None, links: bool = True) -> torch.Tensor:
        """The (E, 2n, 2n) recurrent matrix, rows receive, module 0 first: dense diagonal blocks W_hh^(m),
        off-diagonal blocks the inter-module links (zero when ``links`` is False). One stack, one copy."""
        W_hh = self.W_hh if W_hh is None else W_hh
        W_inter = self.inter.weight() if W_inter is None else W_inter
        E, n = W_hh.shape[0], self.n
        cross = (W_inter[:, 1], W_inter[:, 0]) if links else (W_hh.new_zeros(E, n, n),) * 2
        blocks = torch.stack([W_hh[:, 0], cross[0], cross[1], W_hh[:, 1]], 1)               # (E, 4, n, n)
        return blocks.reshape(E, 2, 2, n, n).transpose(2, 3).reshape(E, 2 * n, 2 * n)

    def input_currents(self, x: torch.Tensor, W_in=None, b_h=None) -> torch.Tensor:
        """Input currents (E, ..., 2n) for inputs x (E, ..., 2, F) of both digit channels."""
        W_in = self.W_in if W_in is None else W_in
        b_h = self.b_h if b_h is None else b_h
        if isinstance(x, TimedInputs):
            return self._timed_currents(x, W_in, b_h)
        lead = x.shape[1:-2]
        E = x.shape[0]
        x = x.reshape(E, -1, 2, x.shape[-1])
        if self.input_mode == "separate":     # module m ← digit m: one batched matmul over (E, module)
            u = torch.einsum("ebmf,emnf->ebmn", x, W_in)
        else:                                 # both digits, own (fused) or shared (common) weights
            xf = x.reshape(E, x.shape[1], -1)
            u = torch.einsum("ebf,emnf->ebmn", xf, W_in)
            if self.input_mode == "common":
                u = u.expand(-1, -1, 2, -1)
        u = u + b_h[:, None]
        return u.reshape(E, *lead, 2 * self.n)

    def channel_weights(self, W_in=None) -> torch.Tensor:
        """The weights (E, K, F, P) through which digit channel k's pixels reach the P input currents it feeds:
        separate: module k's n neurons; fused: both modules' 2n (module 0 first); common: the shared n."""
        W_in = self.W_in if W_in is None else W_in
        if self.input_mode == "separate":
            return W_in.transpose(-1, -2)
        E, n_in, n, f2 = W_in.shape
        F = f2 // 2
        return W_in.reshape(E, n_in, n, 2, F).permute(0, 3, 4, 1, 2).reshape(E, 2, F, n_in * n)

    def _timed_currents(self, x: "TimedInputs", W_in, b_h) -> torch.Tensor:
        """Input currents (E, T, B, 2n) of timed inputs, from the images projected once per batch and the
        noise projected from its kept pixels (:meth:`TimedInputs.project`; equal to projecting the
        materialised inputs up to float rounding)."""
        c = x.project(self.channel_weights(W_in))                                   # (E, T, B, K, P)
        E, T, B = c.shape[:3]
        if self.input_mode == "separate":      # channel k feeds module k
            u = c
        elif self.input_mode == "fused":       # module m sums both channels through its own weights
            u = c.sum(3).reshape(E, T, B, 2, self.n)
        else:                                  # one shared current for both modules
            u = c.sum(3)[:, :, :, None].expand(E, T, B, 2, self.n)
        return (u + b_h[:, None, None]).reshape(E, T, B, 2 * self.n)

    def hidden_states(self, x: torch.Tensor, steps: int, W_hh=None, W_inter=None,
                      W_in=None, b_h=None, comms_start=None, last_only: bool = False, at=None,
                      currents=None) -> torch.Tensor:
        """Run the recurrence; returns all states (E, B, T, 2n), or only h_T (E, B, 2n) with ``last_only``, or
        with ``at`` (E,) each network's state at its own step ``at[e]`` (E, B, 2n), stopping after max(at).

        x is static (E, B, 2, F) — its input projection is computed once and reused every step — or
        time-varying (E, T, B, 2, F) with noise / start times, as a tensor or as :class:`TimedInputs`. Weights
        default to the model's own; the weight-mask metric passes masked copies, and ``currents`` — the input
        currents of x, computed once — in place of x.
        """
        u = self.input_currents(x, W_in, b_h) if currents is None else currents   # (E, B, 2n) or (E, T, B, 2n)
        if at is not None:   # no step past the last one asked for
            steps = min(steps, int(at.max()) + 1)
        mats, which = self.step_matrices(steps, W_hh, W_inter, comms_start)
        if last_only and at is None:
            return recurrence.run(u, steps, mats, which)
        if at is not None:   # keep h where this is the network's step (no (E, B, T, 2n) stack to index)
            picked = None

            def keep(t, h):
                nonlocal picked
                picked = torch.where((at == t)[:, None, None], h, 0.0 if picked is None else picked)
            recurrence.run(u, steps, mats, which, keep)
            return picked
        out = []
        recurrence.run(u, steps, mats, which, lambda t, h: out.append(h))
        return torch.stack(out, 2)

    def step_matrices(self, steps: int, W_hh=None, W_inter=None, comms_start=None):
        """The recurrent matrices (in h @ M orientation) of steps 1 … T−1 and, per step, which one it uses.

        From each network's communication start on, the full matrix; before it, the links are silent
        (Béna & Goodman 2023a, fig. 4B); a step where networks of the ensemble differ mixes the two per network.
        """
        comms = self.comms_start if comms_start is None else comms_start
        full = self.recurrent_matrix(W_hh, W_inter).transpose(1, 2)
        silent = None
        by_gate, gates = {}, [tuple((comms <= t).tolist()) for t in range(1, steps)]   # links on, per network
        for on in gates:
            if on in by_gate:
                continue
            if not all(on) and silent is None:
                silent = self.recurrent_matrix(W_hh, W_inter, links=False).transpose(1, 2)
            by_gate[on] = (full if all(on) else silent if not any(on)
                           else torch.where(torch.tensor(on, device=full.device)[:, None, None], full, silent))
        order = list(by_gate)
        return tuple(by_gate.values()), (0, *(order.index(on) for on in gates))   # step 0 uses no matrix

    def bottleneck_states(self, h: torch.Tensor, W_hb=None, b_hb=None) -> torch.Tensor:
        """Per-module features the readout sees: (E, ..., 2, d) — bottleneck b^(m) or h^(m) itself."""
        E = h.shape[0]
        hm = h.reshape(*h.shape[:-1], 2, self.n)
        if self.b == 0:
            return hm
        flat = hm.reshape(E, -1, 2, self.n)
        W_hb = self.W_hb if W_hb is None else W_hb
        b_hb = self.b_hb if b_hb is None else b_hb
        z = torch.einsum("ebmn,emkn->ebmk", flat, W_hb) + b_hb[:, None]
        return z.reshape(*h.shape[:-1], 2, self.b)

    def readouts(self, z: torch.Tensor, W_r=None, b_r=None) -> torch.Tensor:
        """Readout logits (E, B, M, n_targets, classes); M = 2 module readouts, or 1 when common."""
        W_r = self.W_r if W_r is None else W_r
        b_r = self.b_r if b_r is None else b_r
        E, B = z.shape[:2]
        if self.readout_mode == "separate":
            r = torch.einsum("ebmd,emcd->ebmc", z, W_r) + b_r[:, None]
        else:
            r = (torch.einsum("ebd,ecd->ebc", z.reshape(E, B, -1), W_r) + b_r[:, None])[:, :, None]
        return r.reshape(E, B, r.shape[2], self.n_targets, self.classes)

    @staticmethod
    def decide(r: torch.Tensor) -> torch.Tensor:
        """Max decision (Béna & Goodman 2023b, §2.2): r_out = r^(μ), μ = argmax_m max r^(m); per target head.

        With two modules μ = 1 iff max r^(1) > max r^(0) (ties go to module 0, as argmax does).
        """
        if r.shape[2] == 1:
            return r[:, :, 0]
        peak = r.amax(-1)                                                 # (E, B, 2, targets)
        mu1 = (peak[:, :, 1] > peak[:, :, 0])[..., None]                  # (E, B, targets, 1)
        return torch.where(mu1, r[:, :, 1], r[:, :, 0])

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Decision logits r_out (E, B, n_targets, classes) read from the last state h_T."""
        h = self.hidden_states(x, steps, last_only=True)
        return self.decide(self.readouts(self.bottleneck_states(h)))

    # ------------------------------------------------------------------ export
    def export_weights(self) -> dict[str, torch.Tensor]:
        """Weights with the network on dimension 0, plus the full recurrent matrix and link mask."""
        with torch.no_grad():
            mask = self.inter.active().to(torch.float32)
            mask_full = self.recurrent_matrix(torch.zeros_like(mask), mask)
            out = {name: p.detach().clone() for name, p in self.named_parameters()}
            out.update({"inter.sign": self.inter.sign.clone().to(torch.float32),
                        "W_rec": self.recurrent_matrix(), "mask_inter": mask_full})
            return {k: v.contiguous() for k, v in out.items()}


def realised_adjacency(weights: dict, n: int) -> np.ndarray:
    """Directed adjacency (E, 2n, 2n), A[i, j] = 1 for a link j → i: dense modules plus active links."""
    mask = weights["mask_inter"].numpy()
    A = mask.copy()
    A[:, :n, :n] = 1
    A[:, n:, n:] = 1
    return A
