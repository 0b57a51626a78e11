"""Helpers for reading rendered PDFs back: text per page (pypdf), and the Debian checkers."""

from __future__ import annotations

import html
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def qpdf_check(pdf: bytes, folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                          check=False)


def pdffonts_rows(pdf: bytes, folder: Path) -> list[list[str]]:
    """One row per font: name, then the columns; 'emb' is the fifth from the right."""
    path = folder / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


@pytest.fixture
def pdf_tools(tmp_path: Path):
    class Tools:
        @staticmethod
        def check(pdf: bytes) -> None:
            result = qpdf_check(pdf, tmp_path)
            assert result.returncode == 0, result.stdout + result.stderr
            rows = pdffonts_rows(pdf, tmp_path)
            assert rows, "the PDF uses no font at all"
            not_embedded = [r[0] for r in rows if r[-5] != "yes"]
            assert not not_embedded, f"fonts not embedded: {not_embedded}"

        @staticmethod
        def fonts(pdf: bytes) -> list[str]:
            return [r[0].split("+")[-1] for r in pdffonts_rows(pdf, tmp_path)]

    return Tools()


def placed_words(pdf: bytes, folder: Path, page: int = 1) -> list[tuple[float, float, str]]:
    """(top, left, text) of every word poppler finds on a page, glyphs in the order they are
    drawn left to right: the page as a reader sees it, unlike pypdf's bidi-reordered text."""
    path = folder / "words.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path),
                          "-"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)
    return [(float(y), float(x), html.unescape(t)) for x, y, t in found]
