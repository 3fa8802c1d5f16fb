# diffuse light; faces turned from the light are darker, coloured lights tint them
r = base_r * (ambient + diffuse_r)
g = base_g * (ambient + diffuse_g)
b = base_b * (ambient + diffuse_b)
