"""Draw the app icon with Qt and write the sizes each OS wants: PNGs, app.ico and app.icns.

Run from the repository root: `uv run python installers/make_icons.py`. The results are
committed under resources/icons/, so builds need not run this.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)
ACCENT, ACCENT_DARK = QColor("#2f6fde"), QColor("#1d4fa8")


def draw(size: int) -> QImage:
    """A rounded accent square with a speech bubble holding three 'thinking' dots."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ACCENT_DARK)
    p.drawRoundedRect(QRectF(2 * s, 3 * s, 60 * s, 60 * s), 14 * s, 14 * s)
    p.setBrush(ACCENT)
    p.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 58 * s), 14 * s, 14 * s)
    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(12 * s, 15 * s, 40 * s, 27 * s), 9 * s, 9 * s)
    tail = QPainterPath()
    tail.moveTo(QPointF(20 * s, 40 * s))
    tail.lineTo(QPointF(17 * s, 50 * s))
    tail.lineTo(QPointF(29 * s, 41 * s))
    tail.closeSubpath()
    p.setBrush(QColor("white"))
    p.drawPath(bubble.united(tail))
    p.setBrush(ACCENT)
    for x in (22, 32, 42):
        p.drawEllipse(QPointF(x * s, 28.5 * s), 3.4 * s, 3.4 * s)
    if size >= 48:  # a thin outline keeps the edge crisp on light backgrounds
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 40), max(1.0, s * 0.6)))
        p.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 58 * s), 14 * s, 14 * s)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """Windows .ico: a directory of PNG images (Vista and later read PNG entries)."""
    sizes = [n for n in (16, 32, 48, 64, 128, 256) if n in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for n in sizes:
        blob = pngs[n]
        entries += struct.pack("<BBBBHHII", n % 256, n % 256, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """macOS .icns with PNG entries (ic07 128, ic08 256, ic09 512, ic10 1024)."""
    body = b""
    for kind, n in ((b"ic07", 128), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024)):
        body += kind + struct.pack(">I", 8 + len(pngs[n])) + pngs[n]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    pngs = {n: png_bytes(draw(n)) for n in SIZES}
    for n, blob in pngs.items():
        (ICONS / f"app-{n}.png").write_bytes(blob)
    (ICONS / "app.ico").write_bytes(ico(pngs))
    (ICONS / "app.icns").write_bytes(icns(pngs))
    print(f"wrote {len(pngs)} PNGs, app.ico and app.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
