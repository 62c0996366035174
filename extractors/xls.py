"""Legacy Excel 97-2003 workbooks (BIFF8 in an OLE2 container): one page per sheet.

python-calamine reads them, as it reads the XLSX files openpyxl refuses: stored values
(dates in ISO form; number formats are not applied), merged cells written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._cells import read_calamine, sheets_result
from .base import ExtractionError, ExtractionResult

__all__ = ["XlsExtractor"]


@dataclass(frozen=True)
class XlsExtractor:
    name: str = "xls"
    types: frozenset[str] = frozenset({"xls"})

    def extract(self, path: Path) -> ExtractionResult:
        try:
            sheets = read_calamine(path)
        except Exception as exc:  # calamine's errors: a damaged or password-protected book
            text = str(exc)
            code = (
                "encrypted"
                if "password" in text.lower() or "encrypt" in text.lower()
                else "corrupt"
            )
            raise ExtractionError(code, detail=f"calamine: {text}"[:1000]) from exc
        return sheets_result("xls", sheets, reader="calamine")
