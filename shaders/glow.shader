# flares on every onset, brightest at the tip
@vertex
k = ambient + diffuse
# `hit` jumps on an onset and fades over a few frames; `h` is 0 at the base, 1 at the top.
flare = hit * (0.3 + 0.7 * h) + 0.2 * level * h
r = base_r * k + flare
g = base_g * k + flare * 0.92
b = base_b * k + flare * 0.85
edge_r = min(1, base_r * 1.3 + 0.1 + flare)
edge_g = min(1, base_g * 1.3 + 0.1 + flare)
edge_b = min(1, base_b * 1.3 + 0.1 + flare)
edge_a = 0.6 + 0.4 * hit
