# diffuse light; faces turned from the light are darker
k = ambient + diffuse
r = base_r * k
g = base_g * k
b = base_b * k
