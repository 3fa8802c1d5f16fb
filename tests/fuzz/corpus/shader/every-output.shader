# per corner, both sides, every output and a few functions
@vertex
@two-sided
light = max(0, ndotl)
r = clamp(base_r * (ambient + light), 0, 1)
g = base_g * (0.5 + 0.5 * sin(t * 2))
b = level > 0.5 ? 1 : base_b
a = 0.8
edge_r = 1
edge_g = 1
edge_b = 1
edge_a = hit
