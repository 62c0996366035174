"""Safe unpacking of uploaded ZIP archives (submissions often arrive as one zip).

Safety rules: no absolute paths, no ``..``, no symlinks, no encrypted members;
entry count, per-entry size, total size and compression ratio are checked while
streaming the actual bytes, never trusting the sizes the headers declare. On any
failure the files written so far are removed and ExtractionError is raised.

File names: zips made on Korean Windows store names in CP949 without the UTF-8 flag;
zipfile then decodes them as CP437. We recover the raw bytes and decode them as
UTF-8 (Info-ZIP Unicode Path extra field first, then strict UTF-8, then CP949).
"""

from __future__ import annotations

import shutil
import stat
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .base import ExtractionError

__all__ = ["ArchiveEntry", "ZipLimits", "decode_member_name", "unpack_zip"]

_CHUNK = 1024 * 1024
_JUNK_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}
_RATIO_FLOOR = 1024 * 1024  # the ratio rule applies once an entry has produced 1 MiB


@dataclass(frozen=True)
class ArchiveEntry:
    path: Path
    name: str
    folder: str


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 2000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0
    max_entry_bytes: int = 512 * 1024**2


def decode_member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name (Korean names from CP949 zips included)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw_unicode = _unicode_path_extra(info.extra)
    if raw_unicode is not None:
        return raw_unicode
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_extra(extra: bytes) -> str | None:
    """Info-ZIP Unicode Path extra field (0x7075): version, CRC, UTF-8 name."""
    pos = 0
    while pos + 4 <= len(extra):
        header_id, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if header_id == 0x7075 and len(body) > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        pos += 4 + size
    return None


def _safe_parts(name: str) -> list[str]:
    """Path parts of a member name; raises for absolute or escaping paths."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise _unsafe(name, "absolute path")
    parts = [p for p in PurePosixPath(cleaned).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise _unsafe(name, "path traversal")
    if any("\x00" in p for p in parts):
        raise _unsafe(name, "NUL in name")
    return [unicodedata.normalize("NFC", p) for p in parts]


def _unsafe(name: str, why: str) -> ExtractionError:
    return ExtractionError(
        "corrupt",
        f"The archive contains an unsafe entry ({why}: {name!r}) and was not unpacked.",
        f"압축 파일에 안전하지 않은 항목({why}: {name!r})이 있어 풀지 않았습니다.",
        detail=f"{why}: {name}",
    )


def _too_large(what: str) -> ExtractionError:
    return ExtractionError(
        "too_large",
        f"The archive is too large to unpack: {what}. Split it into smaller archives.",
        f"압축 파일이 너무 커서 풀 수 없습니다: {what}. 더 작은 압축 파일로 나눠 올려 주세요.",
        detail=what,
    )


def unpack_zip(path: Path, dest: Path, limits: ZipLimits = ZipLimits()) -> list[ArchiveEntry]:
    """Unpack ``path`` into ``dest`` safely; return the files written, in archive order."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[Path] = []
    created_dirs: list[Path] = []
    try:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ExtractionError("corrupt", detail=f"zip: {exc}") from exc
        with zf:
            entries = _unpack(zf, root, limits, written, created_dirs)
        return entries
    except ExtractionError:
        _cleanup(written, created_dirs)
        raise
    except Exception as exc:  # zlib errors, bad headers, CRC mismatch, disk errors
        _cleanup(written, created_dirs)
        raise ExtractionError("corrupt", detail=f"{type(exc).__name__}: {exc}") from exc


def _unpack(
    zf: zipfile.ZipFile,
    root: Path,
    limits: ZipLimits,
    written: list[Path],
    created_dirs: list[Path],
) -> list[ArchiveEntry]:
    infos = zf.infolist()
    files = [i for i in infos if not i.is_dir()]
    if len(files) > limits.max_entries:
        raise _too_large(f"{len(files)} entries (limit {limits.max_entries})")
    entries: list[ArchiveEntry] = []
    total = 0
    used: set[str] = set()
    for info in infos:
        name = decode_member_name(info)
        parts = _safe_parts(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _unsafe(name, "symbolic link")
        if info.is_dir() or not parts:
            if info.file_size or info.compress_size > 2:
                raise _unsafe(name, "directory entry with data")
            continue
        if any(p in _JUNK_PARTS or p.startswith("._") for p in parts):
            continue
        if info.flag_bits & 0x1:
            raise ExtractionError(
                "encrypted",
                f"The archive member {name!r} is password-protected. Upload an archive without a password.",
                f"압축 파일 안의 {name!r}에 암호가 걸려 있습니다. 암호 없이 압축해 올려 주세요.",
            )
        if info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_BZIP2,
            zipfile.ZIP_LZMA,
        ):
            raise ExtractionError(
                "unsupported",
                f"The archive uses a compression method this system cannot read ({info.compress_type}). "
                "Re-create it as an ordinary ZIP.",
                f"지원하지 않는 압축 방식({info.compress_type})입니다. 일반 ZIP으로 다시 압축해 올려 주세요.",
            )
        parts = _unique(parts, used, root)
        used.add("/".join(parts).casefold())
        target = root.joinpath(*parts)
        if root not in target.resolve().parents:
            raise _unsafe(name, "path traversal")
        for parent in reversed(target.parents):
            if parent != root and root in parent.parents and not parent.exists():
                parent.mkdir()
                created_dirs.append(parent)
        size = _copy_member(zf, info, target, written, limits, total)
        total += size
        entries.append(ArchiveEntry(path=target, name=parts[-1], folder="/".join(parts[:-1])))
    return entries


def _unique(parts: list[str], used: set[str], root: Path) -> list[str]:
    """Rename ``a.pdf`` to ``a (2).pdf`` when the name is taken (in the zip or on disk)."""
    candidate = list(parts)
    stem, dot, suffix = parts[-1].rpartition(".")
    n = 1
    while "/".join(candidate).casefold() in used or root.joinpath(*candidate).exists():
        n += 1
        candidate[-1] = f"{stem} ({n}).{suffix}" if dot and stem else f"{parts[-1]} ({n})"
    return candidate


def _copy_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    written: list[Path],
    limits: ZipLimits,
    total: int,
) -> int:
    size = 0
    compressed = max(info.compress_size, 1)
    with zf.open(info) as source, open(target, "xb") as sink:
        written.append(target)
        while block := source.read(_CHUNK):
            size += len(block)
            if size > limits.max_entry_bytes:
                raise _too_large(f"entry {info.filename!r} over {limits.max_entry_bytes} bytes")
            if total + size > limits.max_total_bytes:
                raise _too_large(f"more than {limits.max_total_bytes} bytes in total")
            if size > _RATIO_FLOOR and size / compressed > limits.max_ratio:
                raise _too_large(
                    f"entry {info.filename!r} compression ratio over {limits.max_ratio:g} (possible zip bomb)"
                )
            sink.write(block)
    return size


def _cleanup(written: list[Path], created_dirs: list[Path]) -> None:
    for file in written:
        file.unlink(missing_ok=True)
    for folder in reversed(created_dirs):
        shutil.rmtree(folder, ignore_errors=True)
