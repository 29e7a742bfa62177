"""The recurrent weight matrix of one network: two dense n × n blocks and the sparse links between them.

``W_rec[i, j]`` is the weight from neuron j to neuron i (rows: to, columns: from); neurons 0 … n−1 form
module 0 and n … 2n−1 module 1. Realised inter-module links (``mask_inter``) are ringed so a single link
is visible even when its weight is small (not when they fill more than a quarter of the off-diagonal blocks,
where rings would hide the weights). The title gives the analytic Q = (1−p)/(2(1+p)) and the Q of the
realised graph (Béna & Goodman 2023b, eqs. 4–5).
"""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ...views.style import frame_sized
from .style import figure, placeholder, style_element


def _array(weights: dict, name: str, index: int):
    w = weights.get(name) if weights else None
    if w is None:
        return None
    a = w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)
    if a.ndim != 3 or index >= a.shape[0]:
        return None
    return a[index]


#: links are ringed while they fill at most this fraction of the two off-diagonal blocks
RINGED_AT_MOST = 0.25

#: Bokeh legend options for the key drawn on the matrix, which is light in either theme: dark text on white there
ON_THE_MATRIX = {"background_fill_color": "white", "background_fill_alpha": 0.85, "label_text_color": "black",
                 "border_line_color": "black", "border_line_alpha": 0.3}


def connectivity(weights: dict, seed_index: int = 0, *, seed=None, Q=None, Q_measured=None):
    """Heatmap of ``W_rec`` (diverging, symmetric colour range) with module borders and ringed links."""
    W = _array(weights, "W_rec", seed_index)
    mask = _array(weights, "mask_inter", seed_index)
    label = f"seed {seed if seed is not None else seed_index}"
    q_text = " · ".join(t for t in (f"modularity Q = {Q:.3f}" if Q is not None else "",
                                    f"realised {Q_measured:.3f}" if Q_measured is not None else "") if t)
    if W is None and mask is None:
        return placeholder("This run stored no recurrent weight matrix (W_rec).", "Connectivity")
    if W is None:  # only the link mask: show it
        W, what, cmap = mask, "Link mask", "Greys"
    else:
        what, cmap = "Recurrent weights W_rec", "RdBu_r"
    size = W.shape[0]
    n = size // 2
    lim = float(np.abs(W).max()) or 1.0
    # one pixel per neuron at (j, i); Image rows run top-down, so flip them, then invert the y axis
    image = hv.Image(W[::-1], bounds=(-0.5, -0.5, size - 0.5, size - 0.5),
                     kdims=[hv.Dimension("from", label="from neuron j (presynaptic)"),
                            hv.Dimension("to", label="to neuron i (postsynaptic)")],
                     vdims=[hv.Dimension("w", label="weight")])
    # the colour bar below the square matrix: beside it, Bokeh cut its numbers to one character in notebooks
    # and saved HTML (a served page drew them whole)
    image = style_element(image, bokeh=dict(cmap=cmap, clim=(-lim, lim) if cmap == "RdBu_r" else (0, 1),
                                            colorbar=True, colorbar_position="bottom", tools=["hover"]),
                          mpl=dict(cmap=cmap, clim=(-lim, lim) if cmap == "RdBu_r" else (0, 1), colorbar=True))
    border = [style_element(line, bokeh=dict(color="black", line_width=1.5), mpl=dict(color="black"))
              for line in (hv.VLine(n - 0.5), hv.HLine(n - 0.5))]
    layers = image * border[0] * border[1]
    # rings mark sparse links; when most entries are links (p near 1) they would only hide the weights
    links = int(mask.sum()) if mask is not None else 0
    ringed = mask is not None and links <= RINGED_AT_MOST * 2 * n * n
    if ringed:
        to, frm = np.nonzero(mask)
        rings = hv.Points((frm.astype(float), to.astype(float)), kdims=["from", "to"],
                          label="inter-module link")
        rings = style_element(rings, bokeh=dict(marker="circle", fill_alpha=0, line_color="black", size=7,
                                                line_width=1.2),
                              mpl=dict(marker="o", facecolors="none", edgecolors="black", s=20))
        layers = layers * rings
    ticks = list(range(0, size, max(1, size // 10)))
    title = f"{what} ({label}) · {q_text}" if q_text else f"{what} ({label})"
    if mask is not None and not ringed:
        title += f" · {links} links, not ringed"
    return figure(layers, title, xticks=ticks, yticks=ticks, invert_yaxis=True,
                  # the key above the matrix: on it, it hid the lower right block's weights
                  bokeh=dict(frame_sized(430, 430), legend_opts=ON_THE_MATRIX, legend_position="top"),
                  mpl=dict(aspect="equal", fig_inches=(6, 5), legend_position="bottom_right"))


def result_connectivity(result, seed_index: int = 0):
    """:func:`connectivity` for a Result: Q from its attributes, measured Q of that seed."""
    ds = result.data
    seeds = [int(s) for s in ds.seed.values]
    seed_index = min(max(int(seed_index), 0), len(seeds) - 1)
    Qm = float(ds["Q_measured"].values[seed_index]) if "Q_measured" in ds else None
    Q = float(ds.attrs["Q"]) if "Q" in ds.attrs else None
    return connectivity(result.weights, seed_index, seed=seeds[seed_index], Q=Q, Q_measured=Qm)
