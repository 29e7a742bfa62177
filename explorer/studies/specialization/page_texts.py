"""Short explanations shown beside each view: what it shows and how to read it."""

INTRO = """
**Two modules, two digits, a few links.** Each module of *n* recurrent neurons sees one handwritten digit;
together they must report a parity-dependent combination of both (Béna & Goodman 2023a and 2023b). Move the
**sparsity p** — the fraction of possible links between the modules — and watch how much each module
*specializes* on its own digit. Settings seen before load instantly from the store; new ones train live.
"""

SPECIALIZATION = """
**Specialization over time.** Global specialization **F** ∈ [0, 1] at every time step of the unrolled
network, one colour per metric: line = mean over the seeds of the ensemble, band = ± 1 sd.
F = 1: each module carries only its own digit; F = 0: both carry both.
When the modules start to talk after step 0, or a digit switches on late, dashed lines mark those steps
(Béna & Goodman 2023a, Fig. 4). The papers find sparse links (small p, high Q) keep F higher than dense ones
once the modules talk. Here the gap is clear only near one link (p = 1/n²: F 0.16–0.30 above dense at n = 25,
10 seeds each, docs/science.md); between p = 0.1 and p = 1 it is within the seeds' spread, so compare bands, not
lines. The accuracy in the title matters: under-trained networks look specialized.
"""

MODULES = """
**Per module.** Fᵐ = M(m, digit 0) − M(m, digit 1): +1 when module m carries only digit 0, −1 only digit 1.
A global F near 0.5 can hide one generalist module (near 0) next to a specialist.
"""

TRAINING = """
**Training.** Loss while the ensemble trains (one thin line per seed, thick = their mean) and the global-task
test accuracy after each epoch; dotted = chance (0.1). A seed's line ends where it reached the accuracy
criterion and stopped; the mean is drawn while every seed trains. Curves stream in live during training:
live, the loss of the latest batches, from the first step; once stored, each epoch's mean loss, from epoch 1,
so the finished curves start lower and are smoother than the live ones.
"""

CONNECTIVITY = """
**Connectivity.** The 2n × 2n recurrent matrix of one network: row *i*, column *j* is the weight from
neuron *j* to neuron *i*. The two dense diagonal blocks are the modules; the ringed entries in the
off-diagonal blocks are the sparse inter-module links. The title gives the analytic modularity
Q = (1 − p) / (2(1 + p)) and the Q measured on the realised graph (Béna & Goodman 2023b, eqs. 4–5).
"""

OVERVIEW = """
**Structure → function.** Each metric's F at the last step against sparsity p (log axis) or modularity Q,
for the runs of this setting already in the store (Béna & Goodman 2023b, Fig. 2); the red line marks the current p.
The heatmap shows mean F over two parameters (Béna & Goodman 2023a, Fig. 3); blank cells are not computed yet —
outside a class's page, *compute missing cells* trains them as one sweep (equal shapes share one ensemble).
"""

CLASSROOM = "Classroom mode: some controls are hidden by the link you followed."
