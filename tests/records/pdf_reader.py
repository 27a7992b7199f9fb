"""Read a PDF back the way a person would: its text, and its pages as pixels (pypdfium2, no system tools)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium


def pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def render_pages(path: Path, scale: float = 0.6) -> list[np.ndarray]:
    """Every page rendered to an RGB array."""
    doc = pdfium.PdfDocument(str(path))
    try:
        return [page.render(scale=scale).to_numpy()[..., :3].copy() for page in doc]
    finally:
        doc.close()
