"""QR codes made on the server (segno; no external service): receipts, certificates and the
installment's share block. Medium error correction survives a print and a phone camera."""

import segno


def qr_svg(url: str, *, scale: int = 4) -> str:
    """The QR code of `url` as an inline <svg> element (no XML declaration), black on white."""
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)


def qr_data_uri(url: str, *, scale: int = 6) -> str:
    """The QR code of `url` as a PNG data URI, for PDFs and HTML pasted elsewhere."""
    return segno.make(url, error="m").png_data_uri(scale=scale, border=2)
