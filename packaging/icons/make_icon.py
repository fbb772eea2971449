#!/usr/bin/env python3
"""Draws the STAMP Studio icon: an H&E-pink tissue section on a slide, covered by a hexagonal
grid of Visium-like spots coloured with viridis. Writes the SVG (the source) and a PNG rendered
from the same geometry (4x supersampled), so both always agree. Needs only numpy + zlib."""
import math, struct, sys, zlib
from pathlib import Path
import numpy as np

SIZE = 256
VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]

def viridis(t):
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    f = t - i
    return tuple(round(a + (b - a) * f) for a, b in zip(VIRIDIS[i], VIRIDIS[i + 1]))

def shapes():
    """(kind, params, rgb, opacity) in a 256 x 256 canvas."""
    out = [("rrect", (8, 8, 240, 240, 44), (28, 43, 58), 1.0),
           ("ellipse", (128, 132, 92, 80), (232, 170, 196), 1.0),
           ("ellipse", (112, 118, 40, 30), (196, 112, 160), 1.0)]
    r, step = 9.0, 23.0
    for row in range(-5, 6):
        y = 132 + row * step * math.sqrt(3) / 2
        for col in range(-5, 6):
            x = 128 + col * step + (step / 2 if row % 2 else 0)
            if ((x - 128) / 84) ** 2 + ((y - 132) / 72) ** 2 > 1:
                continue
            t = 0.5 + 0.5 * math.sin((x - 60) / 40.0) * math.cos((y - 80) / 55.0)
            out.append(("circle", (x, y, r), viridis(t), 0.92))
    return out

def svg():
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
             "<title>STAMP Studio</title>"]
    for kind, p, (r, g, b), a in shapes():
        fill = f'fill="#{r:02x}{g:02x}{b:02x}"' + (f' fill-opacity="{a}"' if a < 1 else "")
        if kind == "rrect":
            parts.append(f'<rect x="{p[0]}" y="{p[1]}" width="{p[2]}" height="{p[3]}" rx="{p[4]}" {fill}/>')
        elif kind == "ellipse":
            parts.append(f'<ellipse cx="{p[0]}" cy="{p[1]}" rx="{p[2]}" ry="{p[3]}" {fill}/>')
        else:
            parts.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="{p[2]}" {fill}/>')
    return "\n".join(parts + ["</svg>"]) + "\n"

def png(size):
    ss = 4
    n = size * ss
    scale = n / SIZE
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float64)
    xs, ys = (xs + 0.5) / scale, (ys + 0.5) / scale
    rgb, alpha = np.zeros((n, n, 3)), np.zeros((n, n))
    for kind, p, colour, a in shapes():
        if kind == "rrect":
            x, y, w, h, rad = p
            dx = np.maximum(np.maximum(x + rad - xs, xs - (x + w - rad)), 0)
            dy = np.maximum(np.maximum(y + rad - ys, ys - (y + h - rad)), 0)
            mask = (dx ** 2 + dy ** 2 <= rad ** 2) & (xs >= x) & (xs <= x + w) & (ys >= y) & (ys <= y + h)
        elif kind == "ellipse":
            mask = ((xs - p[0]) / p[2]) ** 2 + ((ys - p[1]) / p[3]) ** 2 <= 1
        else:
            mask = (xs - p[0]) ** 2 + (ys - p[1]) ** 2 <= p[2] ** 2
        m = mask * a
        rgb = rgb * (1 - m[..., None]) + np.array(colour) * m[..., None]
        alpha = alpha * (1 - m) + m
    rgb = rgb.reshape(size, ss, size, ss, 3).mean(axis=(1, 3))
    alpha = alpha.reshape(size, ss, size, ss).mean(axis=(1, 3))
    premult = np.where(alpha[..., None] > 0, rgb / np.maximum(alpha[..., None], 1e-9), 0)
    img = np.dstack([np.clip(premult, 0, 255), alpha * 255]).round().astype(np.uint8)
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(size))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    (out / "stamp-studio.svg").write_text(svg())
    (out / "stamp-studio.png").write_bytes(png(256))
