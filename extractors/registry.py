"""Detected type -> extractor. A plain dict: add a format by adding a module and a line."""

from __future__ import annotations

from .base import Extractor
from .docx import DocxExtractor
from .hwp import HwpExtractor
from .image import ImageExtractor
from .pdf import PdfExtractor
from .text import TextExtractor
from .xlsx import XlsxExtractor

_hwp = HwpExtractor()

REGISTRY: dict[str, Extractor] = {
    "pdf": PdfExtractor(),
    "hwp": _hwp,
    "hwpx": _hwp,
    "docx": DocxExtractor(),
    "xlsx": XlsxExtractor(),
    "text": TextExtractor(),
    "image": ImageExtractor(),
}

# Recognized but not extractable: the message names the format and what to do.
UNSUPPORTED_NAMES: dict[str, tuple[str, str]] = {
    "zip": (
        "a ZIP archive (upload it as an archive so it is unpacked)",
        "ZIP 압축 파일(압축 파일로 올리면 풀어서 처리합니다)",
    ),
    "doc": (
        "a legacy Word .doc file (save it as .docx or PDF)",
        "이전 Word .doc 파일(.docx나 PDF로 저장해 주세요)",
    ),
    "xls": (
        "a legacy Excel .xls file (save it as .xlsx)",
        "이전 Excel .xls 파일(.xlsx로 저장해 주세요)",
    ),
    "ppt": ("a PowerPoint .ppt file (save it as PDF)", "PowerPoint .ppt 파일(PDF로 저장해 주세요)"),
    "pptx": (
        "a PowerPoint .pptx file (save it as PDF)",
        "PowerPoint .pptx 파일(PDF로 저장해 주세요)",
    ),
    "hwp3": (
        "an HWP 3.0 file (open it in Hangul and save it as HWP/HWPX)",
        "HWP 3.0 파일(한글에서 HWP/HWPX로 다시 저장해 주세요)",
    ),
    "ooxml_encrypted": ("a password-protected Office file", "암호가 걸린 Office 파일"),
    "ole": ("an unknown OLE compound file", "알 수 없는 OLE 복합 파일"),
}


def registered_types() -> frozenset[str]:
    return frozenset(REGISTRY)
