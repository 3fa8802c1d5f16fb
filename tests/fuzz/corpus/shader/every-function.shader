# every function the expressions add to muParser's, with their edge cases (mod by 0, a
# smoothstep whose edges meet)
u = fract(t * 0.25) + mod(frame, 7) / 7 + mod(frame, 0)
s = smoothstep(0.2, 0.8, h) + smoothstep(0.5, 0.5, h) * step(0.5, level)
r = mix(base_r, 1, s * 0.5)
g = clamp(base_g + 0.1 * sin(rad(deg(pi * h))), 0, 1)
b = mix(base_b, u / 3, 0.25)
