"""The kiosk's receipt: the tracking page's address as a QR code (segno, inline SVG)."""

from __future__ import annotations

import segno
from markupsafe import Markup

from hotline import settings as settings_mod


def tracking_url(tracking_no: str) -> str:
    return f"{settings_mod.current().public_base_url}/h5/track/{tracking_no}"


def qr_svg(url: str) -> Markup:
    """An SVG QR code of ``url`` (error correction M), black on white for thermal paper."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(border=2, dark="#000", light="#fff", omitsize=True)  # sized by CSS
    return Markup(svg)  # segno's own markup; the URL is encoded in the path, not as text
