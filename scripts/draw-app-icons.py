#!/usr/bin/env python3
"""Draws the phone app's icons (web/app/icons/*.png): a white footbridge on Passerelle's blue.
Pure Python (zlib + struct), so no imaging library is needed; run it again after changing the
drawing and commit the PNGs.  `maskable` keeps the bridge inside the central safe zone (80 %)
that Android may crop to a circle; the others round the square's corners."""
import math
import os
import struct
import zlib

BLUE = (10, 95, 180)
WHITE = (255, 255, 255)


def inside_bridge(u, v):
    """(u, v) in the unit square of the drawing: is it on the bridge?"""
    # The arch: a ring of a circle centred below the deck.
    cx, cy, r_in, r_out = 0.5, 0.98, 0.44, 0.51
    d = math.hypot(u - cx, v - cy)
    if r_in <= d <= r_out and v <= 0.66 and 0.07 <= u <= 0.93:
        return True
    # The deck.
    if 0.60 <= v <= 0.68 and 0.03 <= u <= 0.97:
        return True
    # The hangers, from the arch down to the deck.
    for x in (0.30, 0.40, 0.50, 0.60, 0.70):
        if abs(u - x) <= 0.018:
            top = cy - math.sqrt(max(0.0, r_in ** 2 - (x - cx) ** 2))
            if top <= v <= 0.62:
                return True
    return False


def draw(size, maskable):
    samples = 3
    rows = []
    radius = 0.0 if maskable else 0.18  # rounded corners, as a fraction of the size
    scale = 0.62 if maskable else 0.78   # how much of the square the bridge spans
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            bridge = 0
            shape = 0
            for sy in range(samples):
                for sx in range(samples):
                    px = (x + (sx + 0.5) / samples) / size
                    py = (y + (sy + 0.5) / samples) / size
                    # Rounded square.
                    qx = max(radius - px, 0, px - (1 - radius))
                    qy = max(radius - py, 0, py - (1 - radius))
                    if radius == 0 or math.hypot(qx, qy) <= radius:
                        shape += 1
                        u = (px - 0.5) / scale + 0.5
                        v = (py - 0.5) / scale + 0.5 + 0.06
                        if 0 <= u <= 1 and 0 <= v <= 1 and inside_bridge(u, v):
                            bridge += 1
            n = samples * samples
            a = shape / n
            w = bridge / shape if shape else 0
            color = [round(BLUE[i] * (1 - w) + WHITE[i] * w) for i in range(3)]
            row += bytes(color + [round(255 * a)])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web", "app", "icons")
    os.makedirs(out, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False), ("maskable-512.png", 512, True)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(draw(size, maskable))
        print("wrote", name)


if __name__ == "__main__":
    main()
