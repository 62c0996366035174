"""Fixtures for extractor tests: the shared real corpus and small files made from it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from extractor_corpus import CORPUS, corpus_file


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not available")
    return CORPUS


@pytest.fixture(scope="session")
def small_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pages 5-6 of the SPRi brief with their text layer: small enough for fuzzing."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(corpus_file("spri-ai-brief-2023-12.pdf")))
    writer = PdfWriter()
    for index in (4, 5):
        writer.add_page(reader.pages[index])
    path = tmp_path_factory.mktemp("pdf") / "spri-p5-6.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


@pytest.fixture(scope="session")
def small_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DOCX with a heading, paragraphs, a merged-cell table and an explicit page break."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "스마트도시 인증 증빙"
    document.add_heading("1. 스마트도시 추진 현황", level=1)
    document.add_paragraph("통합운영센터는 2023년에 구축되었다.")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "구분"
    table.cell(0, 1).text = "2022"
    table.cell(0, 2).text = "2023"
    table.cell(1, 0).text = "예산(백만원)"
    table.cell(1, 1).text = "1,200"
    table.cell(1, 2).text = "1,500"
    merged = table.cell(2, 0).merge(table.cell(2, 2))
    merged.text = "합계 2,700"
    paragraph = document.add_paragraph("다음 쪽으로")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("2. 시민참여", level=2)
    document.add_paragraph("리빙랩 12회 운영")
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path_factory.mktemp("docx") / "evidence.docx"
    path.write_bytes(buffer.getvalue())
    return path
