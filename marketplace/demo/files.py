"""Small real files for the demo: text PDFs and landscape photos, generated, never downloaded."""

from __future__ import annotations

import io
import zlib

from PIL import Image, ImageDraw

SECTOR_COLOURS = {
    "AGR": ((74, 124, 54), (232, 213, 150)), "IND": ((70, 84, 104), (200, 206, 214)),
    "TOU": ((191, 110, 58), (245, 222, 179)), "HEA": ((33, 120, 150), (214, 236, 242)),
    "EDU": ((122, 74, 140), (236, 224, 242)), "ENR": ((218, 160, 32), (250, 240, 200)),
    "ICT": ((40, 90, 160), (218, 228, 245)), "LOG": ((110, 96, 80), (230, 222, 210)),
}


def _pdf_escape(text: str) -> bytes:
    encoded = text.encode("cp1252", "replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and lines of text in Helvetica (WinAnsi encoding)."""
    stream = b"BT /F1 16 Tf 56 780 Td (" + _pdf_escape(title) + b") Tj ET\n"
    y = 748
    for line in lines:
        stream += b"BT /F1 11 Tf 56 %d Td (" % y + _pdf_escape(line) + b") Tj ET\n"
        y -= 18
    content = zlib.compress(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def landscape_photo(sector: str, seed: int) -> bytes:
    """A simple illustrated landscape in the sector's colours (PNG bytes; the app re-encodes it)."""
    dark, light = SECTOR_COLOURS.get(sector, ((11, 93, 75), (227, 241, 236)))
    width, height = 1200, 750
    image = Image.new("RGB", (width, height), light)
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):
        shade = tuple(int(light[i] + (255 - light[i]) * (1 - y / (height / 2)) * 0.6) for i in range(3))
        draw.line([(0, y), (width, y)], fill=shade)
    sun_x = 200 + (seed * 137) % 800
    draw.ellipse([sun_x, 90, sun_x + 120, 210], fill=(250, 214, 120))
    for i, offset in enumerate((0, 180, 360)):
        peak = 260 + ((seed + i) * 53) % 120
        colour = tuple(max(0, c - 25 * i) for c in dark)
        draw.polygon([(offset - 200, height), (offset + 300, peak + 40 * i), (offset + 900, height)], fill=colour)
    draw.rectangle([0, height - 120, width, height], fill=tuple(max(0, c - 40) for c in dark))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
