# the base colour as it is, no light
r = base_r
g = base_g
b = base_b
