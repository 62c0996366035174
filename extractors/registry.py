"""Detected type -> extractor. A plain dict: add a format by adding a module and a line."""

from __future__ import annotations

from .base import Extractor
from .docx import DocxExtractor
from .html import HtmlExtractor
from .hwp import HwpExtractor
from .image import ImageExtractor
from .pdf import PdfExtractor
from .pptx import PptxExtractor
from .spreadsheetml import SpreadsheetMLExtractor
from .text import TextExtractor
from .xls import XlsExtractor
from .xlsx import XlsxExtractor

_hwp = HwpExtractor()

REGISTRY: dict[str, Extractor] = {
    "pdf": PdfExtractor(),
    "hwp": _hwp,
    "hwpx": _hwp,
    "docx": DocxExtractor(),
    "xlsx": XlsxExtractor(),
    "xls": XlsExtractor(),
    "spreadsheetml": SpreadsheetMLExtractor(),
    "html": HtmlExtractor(),
    "pptx": PptxExtractor(),
    "text": TextExtractor(),
    "image": ImageExtractor(),
}

# Recognized but not extractable: (English, Korean) messages that name the format and
# say what to do.
UNSUPPORTED_NAMES: dict[str, tuple[str, str]] = {
    "zip": (
        "This file is a ZIP archive, not a document. Upload it as an archive so that it is "
        "unpacked.",
        "ZIP 압축 파일로, 문서가 아닙니다. 압축 파일로 올리면 풀어서 처리합니다.",
    ),
    "doc": (
        "This file is a Word 97-2003 document (.doc), which cannot be read. Save it as DOCX "
        "or PDF and upload it again.",
        "Word 97-2003 문서(.doc)는 읽을 수 없습니다. DOCX 또는 PDF로 저장해 다시 올려 주십시오.",
    ),
    "ppt": (
        "This file is a PowerPoint 97-2003 presentation (.ppt), which cannot be read. Save "
        "it as PPTX or PDF and upload it again.",
        "PowerPoint 97-2003 프레젠테이션(.ppt)은 읽을 수 없습니다. PPTX 또는 PDF로 저장해 "
        "다시 올려 주십시오.",
    ),
    "hwp3": (
        "This file is an HWP 3.0 document, which cannot be read. Open it in Hangul, save it "
        "as HWP/HWPX or PDF and upload it again.",
        "HWP 3.0 문서는 읽을 수 없습니다. 한글에서 열어 HWP/HWPX 또는 PDF로 저장해 다시 올려 주십시오.",
    ),
    "ole": (
        "This file is an OLE compound file of a kind we do not recognize. Save it as PDF and "
        "upload it again.",
        "알 수 없는 종류의 OLE 복합 파일입니다. PDF로 저장해 다시 올려 주십시오.",
    ),
}


def registered_types() -> frozenset[str]:
    return frozenset(REGISTRY)
