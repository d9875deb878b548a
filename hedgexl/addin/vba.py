"""xlwings' VBA project without its sample macro.

``hedgexl excel setup`` embeds the vbaProject.bin of the installed xlwings' standalone
quickstart workbook, for its ``xlwings`` module (``ImportPythonUDFs`` and the DLL of that
xlwings). The same project carries a sample ``Module1.SampleCall`` that hedgexl's workbook
has no use for. :func:`empty_module` rewrites that module's source, in place and at the same
size, to a comment saying the sample was removed, and zeroes the module's stale compiled
cache.

Why in place: the project is a compound file (MS-CFB) whose small streams live in its mini
stream, and removing a module would mean rewriting the project directory and the compound
file's allocation tables. Keeping every stream's size keeps every table as xlwings wrote it.
Why the cache can go: xlwings' project has no performance cache (its ``_VBA_PROJECT`` stream
is the 7-byte form with version 0xFFFF), so Office compiles every module from its source and
ignores a module's cache on read (MS-OVBA 2.3.4.1, 2.3.4.3).

References
----------
[MS-OVBA] Office VBA File Format Structure, 2.3.4.2 (dir stream), 2.3.4.3 (module stream),
2.4.1 (compression). https://learn.microsoft.com/openspecs/office_file_formats/ms-ovba/
[MS-CFB] Compound File Binary File Format, 2.2 (header), 2.6 (directory entries).
https://learn.microsoft.com/openspecs/windows_protocols/ms-cfb/
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

CHUNK = 4096  # decompressed bytes in every chunk but the last (MS-OVBA 2.4.1.1.4)
MAXREGSECT = 0xFFFFFFFA  # a chain ends at a sector number this high (MS-CFB 2.1 reserves those above)


class VbaError(ValueError):
    """The VBA project is not the shape this module rewrites."""


# ---------------------------------------------------------------- MS-OVBA compression

def _copy_token_bits(done_in_chunk: int) -> int:
    """Bits of a copy token's offset field, at ``done_in_chunk`` bytes into the chunk."""
    return max(math.ceil(math.log2(done_in_chunk)), 4) if done_in_chunk > 1 else 4


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1: a CompressedContainer's bytes."""
    if not data or data[0] != 1:
        raise VbaError("compressed container: no signature byte")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise VbaError(f"compressed chunk at {pos}: bad signature")
        end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # an uncompressed chunk: 4096 raw bytes
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _copy_token_bits(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):  # byte by byte: a copy may overlap itself
                    out.append(out[-offset])
    return bytes(out)


def _chunk(tokens: list) -> bytes:
    """One compressed chunk from tokens: an int is a literal byte, a pair (offset, length)
    a copy token (its bit split depends on where it sits in the chunk)."""
    body = bytearray()
    done = 0
    for i in range(0, len(tokens), 8):
        group = tokens[i:i + 8]
        flags = 0
        part = bytearray()
        for bit, t in enumerate(group):
            if isinstance(t, int):
                part.append(t)
                done += 1
            else:
                offset, length = t
                bits = _copy_token_bits(done)
                part += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                flags |= 1 << bit
                done += length
        body += bytes([flags]) + part
    if done > CHUNK:
        raise VbaError("compressed chunk holds more than 4096 bytes")
    return struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + body


def compress_to_size(text: bytes, pad: bytes, size: int) -> bytes:
    """A CompressedContainer of exactly ``size`` bytes whose decompressed form is ``text``,
    then a run of the one-byte ``pad``, then CRLF.

    Literal tokens, and up to three copy tokens (offset 1, length 3) inside the padding
    where literals alone would overshoot by a byte or two (each saves at least one). One
    chunk, so at most 4096 decompressed bytes."""
    if len(pad) != 1:
        raise ValueError("pad: one byte")
    first = max(1, (size - 3) * 8 // 9 - len(text) - 2 - 16)
    for n_pad in range(first, CHUNK - len(text) - 1):
        for copies in range(min(3, (n_pad - 1) // 3) + 1):
            tokens = (list(text + pad) + [(1, 3)] * copies
                      + list(pad * (n_pad - 1 - 3 * copies) + b"\r\n"))
            out = b"\x01" + _chunk(tokens)
            if len(out) == size:
                return out
            if copies == 0 and len(out) > size + 4:
                raise VbaError(f"cannot write the module's source in {size} bytes")
    raise VbaError(f"cannot write the module's source in {size} bytes")


# ---------------------------------------------------------------- MS-OVBA dir stream

def module_offsets(dir_plain: bytes) -> dict[str, tuple[str, int]]:
    """Module name -> (stream name, MODULEOFFSET) from a decompressed dir stream: a walk
    over its records (id, size, data), where PROJECTVERSION's size field says 4 but 6
    bytes follow (MS-OVBA 2.3.4.2.1.11)."""
    out: dict[str, tuple[str, int]] = {}
    pos, name, stream = 0, None, None
    while pos + 6 <= len(dir_plain):
        rid, size = struct.unpack_from("<HI", dir_plain, pos)
        pos += 6
        if rid == 0x0009:
            size = 6
        data = dir_plain[pos:pos + size]
        pos += size
        if rid == 0x0019:  # MODULENAME (MBCS)
            name, stream = data.decode("latin-1"), None
        elif rid == 0x001A:  # MODULESTREAMNAME (MBCS)
            stream = data.decode("latin-1")
        elif rid == 0x0031 and name is not None:  # MODULEOFFSET
            out[name] = (stream or name, struct.unpack("<I", data)[0])
        elif rid == 0x0010:  # the dir stream's terminator
            break
    return out


# ---------------------------------------------------------------- MS-CFB, same-size writes

class _Cfb:
    """Just enough of a compound file to find where a stream's bytes lie in it."""

    def __init__(self, data: bytearray):
        if data[:8] != bytes.fromhex("D0CF11E0A1B11AE1"):
            raise VbaError("not a compound file")
        self.data = data
        self.ssize = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        self.msize = 1 << struct.unpack_from("<H", data, 0x20)[0]
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, first_mfat, n_mfat, first_difat, n_difat = \
            struct.unpack_from("<IIIII", data, 0x38)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sect = first_difat
        for _ in range(n_difat):
            words = struct.unpack_from(f"<{self.ssize // 4}I", data, self._at(sect))
            difat += words[:-1]
            sect = words[-1]
        self.fat = []
        for s in difat[:n_fat]:
            self.fat += struct.unpack_from(f"<{self.ssize // 4}I", data, self._at(s))
        self.mfat = []
        for s in self._chain(first_mfat) if n_mfat else []:
            self.mfat += struct.unpack_from(f"<{self.ssize // 4}I", data, self._at(s))
        self.entries = []
        for s in self._chain(first_dir):
            for k in range(self.ssize // 128):
                self.entries.append(bytes(data[self._at(s) + 128 * k:][:128]))
        self.mini_sectors = self._chain(self._field(0)[2])  # the root holds the mini stream

    def _at(self, sect: int) -> int:
        return (sect + 1) * self.ssize

    def _chain(self, start: int, fat=None) -> list[int]:
        fat = self.fat if fat is None else fat
        out, s = [], start
        while s < MAXREGSECT:
            if len(out) > len(fat):
                raise VbaError("compound file: a sector chain loops")
            out.append(s)
            s = fat[s]
        return out

    def _field(self, i: int):
        e = self.entries[i]
        n = struct.unpack_from("<H", e, 0x40)[0]
        name = e[:max(n - 2, 0)].decode("utf-16-le")
        left, right, child = struct.unpack_from("<III", e, 0x44)
        start, size = struct.unpack_from("<IQ", e, 0x74)
        return name, (left, right, child), start, size

    def _find(self, parent: int, name: str) -> int:
        todo = [self._field(parent)[1][2]]
        while todo:
            i = todo.pop()
            if i >= len(self.entries):
                continue
            n, (left, right, _), _, _ = self._field(i)
            if n.upper() == name.upper():
                return i
            todo += [left, right]
        raise VbaError(f"compound file: no {name!r}")

    def _spans(self, path: str) -> list[tuple[int, int]]:
        """(file offset, length) of each piece of the stream ``path`` ("VBA/Module1")."""
        i = 0
        for part in path.split("/"):
            i = self._find(i, part)
        _, _, start, size = self._field(i)
        if size < self.cutoff:
            unit, sectors = self.msize, self._chain(start, self.mfat)
            per = self.ssize // self.msize

            def where(m):
                return self._at(self.mini_sectors[m // per]) + (m % per) * self.msize
        else:
            unit, sectors = self.ssize, self._chain(start)
            where = self._at
        spans, left = [], size
        for s in sectors:
            spans.append((where(s), min(unit, left)))
            left -= unit
            if left <= 0:
                break
        return spans

    def read(self, path: str) -> bytes:
        return b"".join(bytes(self.data[o:o + n]) for o, n in self._spans(path))

    def write(self, path: str, new: bytes) -> None:
        spans = self._spans(path)
        if sum(n for _, n in spans) != len(new):
            raise VbaError(f"{path}: a same-size write only")
        pos = 0
        for o, n in spans:
            self.data[o:o + n] = new[pos:pos + n]
            pos += n


# ---------------------------------------------------------------- the one job

SAMPLE_NOTE = (b"' hedgexl removed xlwings' sample macro from this module; it is empty on "
               b"purpose.")


def empty_module(vba_bin: Path, module: str = "Module1", must_contain: bytes = b"") -> Path:
    """Rewrite ``module``'s source in the vbaProject.bin ``vba_bin`` to its
    ``Attribute VB_Name`` line and a comment, at the same stream size, and zero the
    module's compiled cache. A project without ``module`` is left as it is. Refuses
    (:class:`VbaError`) a project with a performance cache (Office would run the cache,
    not the source), or whose module source lacks ``must_contain``."""
    vba_bin = Path(vba_bin)
    cfb = _Cfb(bytearray(vba_bin.read_bytes()))
    head = cfb.read("VBA/_VBA_PROJECT")
    if len(head) != 7 or head[2:4] != b"\xff\xff":
        raise VbaError(f"{vba_bin}: the VBA project has a performance cache; not rewritten")
    offsets = module_offsets(decompress(cfb.read("VBA/dir")))
    if module not in offsets:
        return vba_bin  # nothing to empty
    stream, offset = offsets[module]
    old = cfb.read(f"VBA/{stream}")
    source = decompress(old[offset:])
    if must_contain not in source:
        raise VbaError(f"{vba_bin}: {module} is not the expected sample; not rewritten")
    first = f'Attribute VB_Name = "{module}"\r\n'.encode("latin-1")
    text = compress_to_size(first + SAMPLE_NOTE, b" ", len(old) - offset)
    cfb.write(f"VBA/{stream}", bytes(offset) + text)
    vba_bin.write_bytes(bytes(cfb.data))
    return vba_bin
