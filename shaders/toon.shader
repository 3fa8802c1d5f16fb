# light in three flat steps and dark outlines, like a cartoon
k = ambient + diffuse
step_k = k < 0.5 ? 0.55 : (k < 0.85 ? 0.8 : 1.05)
r = base_r * step_k
g = base_g * step_k
b = base_b * step_k
# A dark outline in the object's own hue.
edge_r = base_r * 0.22
edge_g = base_g * 0.22
edge_b = base_b * 0.22
edge_a = 1
