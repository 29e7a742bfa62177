"""Some networks of an ensemble taken out to train on their own, and put back.

Every tensor of an ensemble holds its E networks on the leading dimension, so a subset of networks is the same
module with every parameter and buffer indexed on that dimension, and the same optimiser with its per-element
state indexed alike. A study that stops networks at an accuracy criterion trains only the others this way: an
epoch of 27 networks costs about 8× an epoch of one (docs/performance.md), so computing networks that are done
only to throw their step away costs most of the run when one straggler is left.

The subset's numbers are those of the same networks in the whole ensemble up to float rounding (the batched
products are summed in another grouping), as they already are for a network trained with other mates
(docs/science.md §11).
"""
from __future__ import annotations

import copy

import torch
from torch import nn


def take(module: nn.Module, idx: torch.Tensor) -> nn.Module:
    """A copy of ``module`` (and of its submodules) holding the networks ``idx`` (a long tensor) of every parameter
    and buffer: new tensors, the originals left as they are. Plain attributes are shared with the original, so a
    module with per-network attributes (seeds, random generators) sets the subset's own on the copy."""
    sub = copy.copy(module)
    sub._parameters = {k: None if p is None else nn.Parameter(p.detach()[idx.to(p.device)].clone(),
                                                               requires_grad=p.requires_grad)
                       for k, p in module._parameters.items()}
    sub._buffers = {k: None if b is None else b[idx.to(b.device)].clone() for k, b in module._buffers.items()}
    sub._modules = {k: None if m is None else take(m, idx) for k, m in module._modules.items()}
    return sub


@torch.no_grad()
def put(module: nn.Module, idx: torch.Tensor, sub: nn.Module) -> None:
    """Write the networks of ``sub`` (taken from ``module`` by :func:`take` with the same ``idx``) back into
    ``module``'s parameters and buffers, in place."""
    theirs = {**dict(sub.named_parameters()), **dict(sub.named_buffers())}
    for name, t in [*module.named_parameters(), *module.named_buffers()]:
        t[idx.to(t.device)] = theirs[name].to(t.device)


def take_optimizer_state(old: torch.optim.Optimizer, new: torch.optim.Optimizer, pairs, keep: torch.Tensor) -> None:
    """Give ``new`` the state ``old`` holds for the networks ``keep`` (a long tensor, positions in the old
    parameters' leading dimension): ``pairs`` are (old parameter, new parameter). A state tensor shaped like its
    parameter (Adam's moments) is indexed; any other (Adam's step count, shared by all networks) is copied."""
    for p_old, p_new in pairs:
        state = old.state.get(p_old)
        if not state:
            continue
        new.state[p_new] = {k: (v[keep.to(v.device)].clone() if torch.is_tensor(v) and v.shape == p_old.shape
                                else v.clone() if torch.is_tensor(v) else copy.copy(v))
                            for k, v in state.items()}
