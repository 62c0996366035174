"""ZIP unpacking: hostile archives are refused, Korean names decode, limits hold."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from extractors import ExtractionError
from extractors.archive import ZipLimits, unpack_zip


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _raw_name_zip(path: Path, raw_name: bytes, data: bytes) -> Path:
    """A zip whose member name is stored as raw bytes without the UTF-8 flag (Windows CP949)."""
    placeholder = b"X" * len(raw_name)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(placeholder.decode("ascii"), data)
    path.write_bytes(path.read_bytes().replace(placeholder, raw_name))
    return path


def test_unpacks_folders_in_order(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "s.zip",
        {
            "1.신청서/신청서.pdf": b"%PDF-1.4",
            "증빙/a.txt": b"a",
            "root.txt": b"r",
            "__MACOSX/._x": b"junk",
        },
    )
    entries = unpack_zip(archive, tmp_path / "out")
    assert [(e.folder, e.name) for e in entries] == [
        ("1.신청서", "신청서.pdf"),
        ("증빙", "a.txt"),
        ("", "root.txt"),
    ]
    assert entries[0].path.read_bytes() == b"%PDF-1.4"
    assert all((tmp_path / "out") in e.path.parents for e in entries)


def test_cp949_names_without_utf8_flag(tmp_path: Path) -> None:
    name = "증빙자료/스마트도시 계획.txt"
    archive = _raw_name_zip(tmp_path / "k.zip", name.encode("cp949"), "내용".encode())
    with zipfile.ZipFile(archive) as zf:
        assert not zf.infolist()[0].flag_bits & 0x800
        assert zf.namelist()[0] != name  # zipfile alone gets it wrong (CP437)
    [entry] = unpack_zip(archive, tmp_path / "out")
    assert (entry.folder, entry.name) == ("증빙자료", "스마트도시 계획.txt")
    assert entry.path.read_text(encoding="utf-8") == "내용"


def test_utf8_names_without_flag(tmp_path: Path) -> None:
    archive = _raw_name_zip(tmp_path / "u.zip", "평가표.xlsx".encode(), b"x")
    assert unpack_zip(archive, tmp_path / "out")[0].name == "평가표.xlsx"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt", "..\\evil.txt"]
)
def test_traversal_and_absolute_paths_are_refused(name: str, tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # bypass zipfile's own sanitizing, as a hostile tool would
        zf.writestr(info, "evil")
    out = tmp_path / "out"
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, out)
    assert err.value.code == "corrupt"
    assert "unsafe" in err.value.message
    assert not (tmp_path / "evil.txt").exists()
    assert not list(out.rglob("*.txt"))  # what was written before is removed


def test_symlink_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out")
    assert "symbolic link" in err.value.message


def test_bomb_ratio(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.txt": bytes(50 * 1024 * 1024)})
    assert archive.stat().st_size < 200_000
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out")
    assert err.value.code == "too_large"
    assert "ratio" in err.value.message
    assert not list((tmp_path / "out").iterdir())


def test_lying_header_sizes_are_not_trusted(tmp_path: Path) -> None:
    """A member that declares a small size but inflates to more is stopped by the stream count."""
    archive = _zip(tmp_path / "liar.zip", {"a.bin": bytes(3 * 1024 * 1024)})
    limits = ZipLimits(max_entry_bytes=1024 * 1024, max_ratio=1e9)
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out", limits)
    assert err.value.code == "too_large"


def test_too_many_entries(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(30)})
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out", ZipLimits(max_entries=20))
    assert err.value.code == "too_large"
    assert len(unpack_zip(archive, tmp_path / "ok", ZipLimits(max_entries=30))) == 30


def test_total_size_limit(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "big.zip", {"a.bin": b"a" * 600_000, "b.bin": b"b" * 600_000}, zipfile.ZIP_STORED
    )
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out", ZipLimits(max_total_bytes=1_000_000))
    assert err.value.code == "too_large"


def test_encrypted_member(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "enc.zip", {"a.txt": b"x"})
    data = bytearray(archive.read_bytes())
    # set the "encrypted" flag in the local and central headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        pos = data.find(sig)
        flag_at = pos + (6 if sig == b"PK\x03\x04" else 8)
        data[flag_at] |= 0x1
    archive.write_bytes(bytes(data))
    with pytest.raises(ExtractionError) as err:
        unpack_zip(archive, tmp_path / "out")
    assert err.value.code == "encrypted"


def test_not_a_zip_and_duplicates(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ExtractionError) as err:
        unpack_zip(bad, tmp_path / "out")
    assert err.value.code == "corrupt"
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "1")
        with pytest.warns(UserWarning):
            zf.writestr("a.txt", "2")
    names = sorted(e.name for e in unpack_zip(archive, tmp_path / "dup"))
    assert names == ["a (2).txt", "a.txt"]
