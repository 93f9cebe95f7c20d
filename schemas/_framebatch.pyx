# cython: language_level=3, boundscheck=False, wraparound=False
"""FrameBatch values written and read in C (see schemas/framebatch.py, which uses them).

The worker writes every live session's frame into one FrameBatch per partition tick,
and every edge and bot reads every frame: 30,000 a second each at a thousand sessions,
where the Python writer and the codec's fastavro reader took a large share of each
process's event loop. ``encode`` writes the same bytes as both the Python writer and
the codec (tests hold the three byte for byte): one pass over the frames reads and
sizes them, one writes them. ``decode`` reads what the codec reads, for values under
the current schema's header; any other goes to the codec. The header is an opaque
prefix to both: the standard one (magic byte 0 and the registry's 4-byte schema id) or
the single-object one (C3 01 and the 8-byte fingerprint), whichever the caller names.

Avro binary as there: ``int`` and ``long`` are zigzag varints, a string is its UTF-8
length then the bytes, the frames one block closed by a zero count. A str's UTF-8 is
read in place (CPython keeps an ASCII str's bytes as they are), so a frame's JSON is
copied once, into the value.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL


cdef inline unsigned long long zigzag(long long n) noexcept:
    return (<unsigned long long>n << 1) ^ <unsigned long long>(n >> 63)


cdef inline Py_ssize_t varint_size(long long n) noexcept:
    cdef unsigned long long z = zigzag(n)
    cdef Py_ssize_t size = 1
    while z > 0x7F:
        z >>= 7
        size += 1
    return size


cdef inline Py_ssize_t put_varint(char* out, Py_ssize_t at, long long n) noexcept:
    cdef unsigned long long z = zigzag(n)
    while z > 0x7F:
        out[at] = <char>((z & 0x7F) | 0x80)
        at += 1
        z >>= 7
    out[at] = <char>z
    return at + 1


cdef inline Py_ssize_t put_text(char* out, Py_ssize_t at, const char* data, Py_ssize_t size) noexcept:
    at = put_varint(out, at, size)
    memcpy(out + at, data, size)
    return at + size


cdef object field(dict frame, str key):
    cdef PyObject* value = PyDict_GetItem(frame, key)
    if value is NULL:
        raise KeyError(key)
    return <object>value


cdef struct Frame:
    const char* session_id
    Py_ssize_t session_id_size
    long long engine_version, seq, last_input_seq
    const char* state_hash
    Py_ssize_t state_hash_size
    const char* frame_json
    Py_ssize_t frame_json_size


cdef Py_ssize_t read_frame(dict frame, Frame* out) except -1:
    """The frame's fields into ``out`` (its strings' bytes stay owned by ``frame``); its size."""
    out.session_id = PyUnicode_AsUTF8AndSize(field(frame, "sessionId"), &out.session_id_size)
    out.engine_version = field(frame, "engineVersion")
    out.seq = field(frame, "seq")
    out.last_input_seq = field(frame, "lastInputSeq")
    out.state_hash = PyUnicode_AsUTF8AndSize(field(frame, "stateHash"), &out.state_hash_size)
    out.frame_json = PyUnicode_AsUTF8AndSize(field(frame, "frameJson"), &out.frame_json_size)
    return (
        varint_size(out.session_id_size) + out.session_id_size
        + varint_size(out.engine_version) + varint_size(out.seq) + varint_size(out.last_input_seq)
        + varint_size(out.state_hash_size) + out.state_hash_size
        + varint_size(out.frame_json_size) + out.frame_json_size
    )


cdef Py_ssize_t put_frame(char* out, Py_ssize_t at, Frame* frame) noexcept:
    at = put_text(out, at, frame.session_id, frame.session_id_size)
    at = put_varint(out, at, frame.engine_version)
    at = put_varint(out, at, frame.seq)
    at = put_varint(out, at, frame.last_input_seq)
    at = put_text(out, at, frame.state_hash, frame.state_hash_size)
    return put_text(out, at, frame.frame_json, frame.frame_json_size)


def encode(bytes header, long long partition, long long tick_no, long long scheduled_us, list frames):
    """A FrameBatch value: ``header`` (the codec's, of either framing), then the record."""
    cdef Py_ssize_t count = len(frames)
    cdef Py_ssize_t size, at, i
    cdef bytes value
    cdef char* out
    # The frames' fields, read once; their strings' bytes stay owned by the frames,
    # which ``frames`` keeps alive until the value is written.
    cdef Frame* fields = <Frame*>malloc(max(count, 1) * sizeof(Frame))
    if fields is NULL:
        raise MemoryError()
    try:
        size = len(header) + varint_size(partition) + varint_size(tick_no) + varint_size(scheduled_us) + 1
        if count:
            size += varint_size(count)
        for i in range(count):
            size += read_frame(<dict?>frames[i], &fields[i])
        value = PyBytes_FromStringAndSize(NULL, size)
        out = PyBytes_AS_STRING(value)
        memcpy(out, <const char*>header, len(header))
        at = len(header)
        at = put_varint(out, at, partition)
        at = put_varint(out, at, tick_no)
        at = put_varint(out, at, scheduled_us)
        if count:
            at = put_varint(out, at, count)
        for i in range(count):
            at = put_frame(out, at, &fields[i])
        out[at] = 0  # the end of the frames' block
    finally:
        free(fields)
    return value


cdef struct Reader:
    const unsigned char* data
    Py_ssize_t at, end


cdef long long read_long(Reader* r) except? -1:
    """A zigzag varint; ValueError when the bytes end first or it runs past 64 bits."""
    cdef unsigned long long z = 0
    cdef unsigned char byte
    cdef int shift = 0
    while True:
        if r.at >= r.end:
            raise ValueError("the value ends inside a number")
        byte = r.data[r.at]
        r.at += 1
        z |= <unsigned long long>(byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
        if shift > 63:
            raise ValueError("a number runs past 64 bits")
    return <long long>(z >> 1) ^ -<long long>(z & 1)


cdef str read_text(Reader* r):
    cdef long long size = read_long(r)
    if size < 0 or size > r.end - r.at:
        raise ValueError("a string runs past the end of the value")
    text = PyUnicode_DecodeUTF8(<const char*>r.data + r.at, size, NULL)
    r.at += size
    return text


def decode(bytes header, bytes data):
    """The FrameBatch datum in ``data``, as the codec reads it; None when ``data`` does not
    start with ``header`` (another schema version: the codec's to read)."""
    cdef Py_ssize_t header_size = len(header)
    cdef Reader r
    cdef long long count
    cdef list frames = []
    if len(data) < header_size or data[:header_size] != header:
        return None
    r.data = <const unsigned char*>PyBytes_AS_STRING(data)
    r.at = header_size
    r.end = len(data)
    partition = read_long(&r)
    tick_no = read_long(&r)
    scheduled_us = read_long(&r)
    while True:  # an array is blocks of items, closed by an empty one
        count = read_long(&r)
        if count == 0:
            break
        if count < 0:  # a block may also give its size in bytes, which reading skips
            count = -count
            read_long(&r)
        if count > r.end - r.at:  # each frame takes at least a byte: a count the bytes cannot hold
            raise ValueError("a block counts more frames than the value holds")
        for _ in range(count):
            frames.append({
                "sessionId": read_text(&r),
                "engineVersion": read_long(&r),
                "seq": read_long(&r),
                "lastInputSeq": read_long(&r),
                "stateHash": read_text(&r),
                "frameJson": read_text(&r),
            })
    return {"partition": partition, "tickNo": tick_no, "scheduledAtUs": scheduled_us, "frames": frames}
