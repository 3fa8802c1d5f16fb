# only the edges, the hidden ones too, fill left clear
@two-sided
r = base_r
g = base_g
b = base_b
a = 0
# Edges facing the camera are brighter than those seen through the object.
edge_r = base_r * (ndotv > 0 ? 1 : 0.45)
edge_g = base_g * (ndotv > 0 ? 1 : 0.45)
edge_b = base_b * (ndotv > 0 ? 1 : 0.45)
edge_a = 1
