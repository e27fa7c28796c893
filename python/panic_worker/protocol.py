"""Frames: a fixed 16-byte prefix, a JSON header and raw binary blobs.

    offset  size  field
    0       4     magic b"PNKW"
    4       4     header_len, uint32 little-endian
    8       8     body_len, uint64 little-endian
    16      *     header: UTF-8 JSON object, header_len bytes
    ...     *     body: the blobs back to back, body_len bytes

header["blobs"] lists the byte length of each blob, in order; the lengths sum to
body_len. Blob i starts at the sum of the lengths before it. Texts travel as UTF-8
blobs, images as raw RGB bytes (row-major, 3 bytes per pixel) with their width and
height in the header, vectors as float32 little-endian.
"""
import json
import struct

MAGIC = b"PNKW"
PREFIX = struct.Struct("<4sIQ")
MAX_HEADER = 64 << 20


class ProtocolError(Exception):
    """The peer sent bytes that are not a frame."""


class Frame:
    __slots__ = ("header", "blobs")

    def __init__(self, header, blobs=()):
        self.header = header
        self.blobs = list(blobs)


def _read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) != n:
        if not data:
            raise EOFError("the engine closed the pipe")
        raise ProtocolError("truncated frame: wanted %d bytes, got %d" % (n, len(data)))
    return data


def read_frame(stream):
    """The next frame from `stream`; EOFError at a clean end of input."""
    prefix = stream.read(PREFIX.size)
    if not prefix:
        raise EOFError("the engine closed the pipe")
    if len(prefix) != PREFIX.size:
        raise ProtocolError("truncated frame prefix")
    magic, header_len, body_len = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError("bad magic %r" % magic)
    if header_len > MAX_HEADER:
        raise ProtocolError("header of %d bytes is too large" % header_len)
    header = json.loads(_read_exact(stream, header_len).decode("utf-8"))
    sizes = header.get("blobs", [])
    if sum(sizes) != body_len:
        raise ProtocolError("blob sizes sum to %d but the body has %d bytes" % (sum(sizes), body_len))
    body = _read_exact(stream, body_len) if body_len else b""
    blobs, at = [], 0
    for size in sizes:
        # bytes, not memoryviews (PIL wants bytes); a whole-body slice is not a copy.
        blobs.append(body[at:at + size])
        at += size
    return Frame(header, blobs)


def write_frame(stream, header, blobs=()):
    """Writes one frame and flushes. `blobs` are bytes-like objects."""
    header = dict(header)
    header["blobs"] = [len(b) if not isinstance(b, memoryview) else b.nbytes for b in blobs]
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    stream.write(PREFIX.pack(MAGIC, len(head), sum(header["blobs"])) + head)
    for b in blobs:
        stream.write(b)
    stream.flush()


def decode_text(blob):
    # surrogateescape keeps any byte sequence, so text round-trips exactly.
    return bytes(blob).decode("utf-8", "surrogateescape")


def encode_text(text):
    return text.encode("utf-8", "surrogateescape")
