"""OCR through the tesseract command line (kor+eng), one process per page image.

Why the CLI and not a binding: nothing to compile, the apt package is all that is
needed, and a crash or hang in tesseract cannot take the worker down (timeout).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .base import ExtractionError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["OCR_DPI", "OCR_LANGUAGES", "ocr_images", "tesseract_available"]

OCR_DPI = 250
OCR_LANGUAGES = "kor+eng"
OCR_TIMEOUT_S = 120
MAX_OCR_PIXELS = 40_000_000  # ~A3 at 300 dpi; larger images are scaled down first


def tesseract_path() -> str | None:
    """Where the tesseract binary is (``REVIEWAPP_TESSERACT`` overrides), or None."""
    override = os.environ.get("REVIEWAPP_TESSERACT")
    if override:
        return override if Path(override).exists() else None
    return shutil.which("tesseract")


def tesseract_available() -> bool:
    return tesseract_path() is not None


def _ocr_file(binary: str, image_path: Path) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            [binary, str(image_path), "stdout", "-l", OCR_LANGUAGES, "--psm", "3"],
            capture_output=True,
            env=env,
            timeout=OCR_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            "corrupt",
            "OCR took too long on a page and was stopped.",
            "한 쪽의 OCR이 너무 오래 걸려 중단했습니다.",
            detail=str(exc),
        ) from exc
    except OSError as exc:
        raise ExtractionError("ocr_unavailable", detail=str(exc)) from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in err or "Error opening data file" in err:
            raise ExtractionError(
                "ocr_unavailable",
                "Tesseract is installed without Korean language data (tesseract-ocr-kor).",
                "tesseract에 한국어 데이터(tesseract-ocr-kor)가 설치되어 있지 않습니다.",
                detail=err[-500:],
            )
        raise ExtractionError(
            "corrupt",
            "OCR could not read a page image.",
            "OCR이 쪽 이미지를 읽지 못했습니다.",
            detail=err[-500:],
        )
    return done.stdout.decode("utf-8", "replace")


def ocr_images(images: Sequence[Image], *, workers: int | None = None) -> list[str]:
    """OCR page images in parallel (one tesseract process per core); text per image."""
    binary = tesseract_path()
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    if not images:
        return []
    with tempfile.TemporaryDirectory(prefix="reviewapp-ocr-") as tmp:
        paths: list[Path] = []
        for i, image in enumerate(images):
            image = _prepare(image)
            target = Path(tmp) / f"page-{i:05d}.png"
            image.save(target, format="PNG")
            paths.append(target)
        workers = workers or max(1, min(len(paths), os.cpu_count() or 1))
        if workers == 1:
            return [_ocr_file(binary, p) for p in paths]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda p: _ocr_file(binary, p), paths))


_WORDLIKE = re.compile(r"[\uac00-\ud7a3A-Za-z0-9]")


def clean_ocr_text(text: str) -> str:
    """Drop OCR lines that are mostly noise (photos and ornaments read as stray glyphs).

    A line is kept when at least 60% of its non-space characters are Hangul syllables,
    Latin letters or digits and it has at least two of them.
    """
    kept: list[str] = []
    for line in text.splitlines():
        chars = [c for c in line if not c.isspace()]
        good = sum(1 for c in chars if _WORDLIKE.match(c))
        if good >= 2 and good / len(chars) >= 0.6:
            kept.append(line)
    return "\n".join(kept)


def _prepare(image: Image) -> Image:
    """Grayscale and at most MAX_OCR_PIXELS: what tesseract reads best and fastest."""
    if image.mode not in ("L", "1"):
        if image.mode in ("RGBA", "LA", "P"):
            from PIL import Image as PILImage

            rgba = image.convert("RGBA")
            background = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = PILImage.alpha_composite(background, rgba)
        image = image.convert("L")
    pixels = image.width * image.height
    if pixels > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image
