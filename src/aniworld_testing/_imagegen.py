"""Small, valid, single-colour JPEG and PNG files made on the fly (no binaries in the repo).

The JPEG is a baseline JFIF file with three full-resolution components, a quantisation table of
ones and two tiny Huffman tables: a flat image only needs DC coefficients, so every block after
the first codes as "no change, end of block". Any decoder reads it.
"""

from __future__ import annotations

import functools
import struct
import zlib

_QUANT_ONES = bytes([0x00]) + bytes([1] * 64)
# DC table: the 12 difference categories, each a 4-bit code; AC table: only end-of-block, "0".
_DC_TABLE = bytes([0x00]) + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
_AC_TABLE = bytes([0x10]) + bytes([1] + [0] * 15) + bytes([0x00])


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return tuple(min(255, max(0, round(v))) for v in (y, cb, cr))  # type: ignore[return-value]


def _dc_bits(difference: int) -> str:
    category = abs(difference).bit_length()
    if category == 0:
        return "0000"
    value = difference if difference > 0 else difference + (1 << category) - 1
    return f"{category:04b}{value:0{category}b}"


@functools.lru_cache(maxsize=64)
def jpeg(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A ``width`` x ``height`` JPEG filled with ``rgb``."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    first = "".join(_dc_bits(8 * (v - 128)) + "0" for v in _ycbcr(rgb))
    bits = first + "00000" * 3 * (blocks - 1)
    bits += "1" * (-len(bits) % 8)  # pad the last byte with ones, as the standard asks
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big").replace(b"\xff", b"\xff\x00")
    components = b"".join(bytes([index, 0x11, 0]) for index in (1, 2, 3))
    return b"".join((
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xDB, _QUANT_ONES),
        _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components),
        _segment(0xC4, _DC_TABLE),
        _segment(0xC4, _AC_TABLE),
        _segment(0xDA, bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0])),
        scan,
        b"\xff\xd9",
    ))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=64)
def png(width: int, height: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A ``width`` x ``height`` RGBA PNG filled with ``rgba``."""
    row = b"\x00" + bytes(rgba) * width
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        _chunk(b"IDAT", zlib.compress(row * height, 9)),
        _chunk(b"IEND", b""),
    ))
