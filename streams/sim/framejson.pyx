# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Frame JSON written in C: the worker's hottest step after the rules themselves.

A thousand live sessions need 30,000 frames a second. Building each frame as nested
dicts and handing them to orjson took a large share of the worker's event loop. These
writers produce the same text straight from the engine's state tuple into a buffer on
the stack.

The engines' ``frame`` (dicts) stays the reference: ``EngineBase.frame_json`` uses a
writer from here when the install compiled this module, and a test holds the two byte
for byte over random runs of both games. A writer returns None whenever it cannot be
exact (a string that JSON would escape, an int beyond 64 bits, a frame too large for
its buffer), and the caller falls back to the reference for that frame.

Only ASCII is written, so the text decodes without a scan. ``cdivision`` is safe here:
the one division (the speed ramp) divides a tick count, never negative.
"""

from libc.string cimport memcpy, strlen

from streams.sim.speedramp cimport SpeedRamp, speed_at, speed_ramp

import orjson

# Bytes a frame may take; a frame whose bound exceeds it goes to the reference writer.
cdef enum:
    CAPACITY = 32768
    # Bound on the fixed parts of a frame (header, world, speed, bird or crab) ...
    FIXED_BOUND = 1024
    # ... and on one pipe or object: four keys and four 64-bit ints.
    ITEM_BOUND = 160


cdef inline Py_ssize_t put(char* out, Py_ssize_t at, const char* text) noexcept:
    cdef size_t n = strlen(text)
    memcpy(out + at, text, n)
    return at + n


cdef inline Py_ssize_t put_bytes(char* out, Py_ssize_t at, bytes text) noexcept:
    cdef Py_ssize_t n = len(text)
    memcpy(out + at, <const char*>text, n)
    return at + n


cdef inline Py_ssize_t put_int(char* out, Py_ssize_t at, long long value) noexcept:
    cdef char digits[24]
    cdef int n = 0
    cdef unsigned long long rest
    if value < 0:
        out[at] = b'-'
        at += 1
        rest = <unsigned long long>(-(value + 1)) + 1  # no overflow at the most negative value
    else:
        rest = <unsigned long long>value
    while True:
        digits[n] = <char>(48 + rest % 10)
        n += 1
        rest //= 10
        if rest == 0:
            break
    while n > 0:
        n -= 1
        out[at] = digits[n]
        at += 1
    return at


cdef bint plain_ascii(str text):
    """Whether JSON writes ``text`` as it is: printable ASCII without quote or backslash."""
    cdef Py_UCS4 ch
    for ch in text:
        if ch < 0x20 or ch > 0x7E or ch == 0x22 or ch == 0x5C:
            return False
    return True


cdef Py_ssize_t put_header(char* out, Py_ssize_t at, bytes game, tuple state):
    """The fields every game's frame starts with (``EngineBase._frame_header``); -1: not exact."""
    end_reason, hit = state[2], state[3]
    at = put_bytes(out, at, game)
    at = put_int(out, at, <long long>state[0])  # tick
    at = put(out, at, b',"score":')
    at = put_int(out, at, <long long>state[1])
    if end_reason is None:
        at = put(out, at, b',"alive":true,"ended":false,"end_reason":null')
    else:
        if not plain_ascii(end_reason):
            return -1
        at = put(out, at, b',"alive":false,"ended":true,"end_reason":"')
        at = put_bytes(out, at, (<str>end_reason).encode("ascii"))
        at = put(out, at, b'"')
    if hit is None:
        return put(out, at, b',"hit":null')
    if not plain_ascii(hit):
        return -1
    at = put(out, at, b',"hit":"')
    at = put_bytes(out, at, (<str>hit).encode("ascii"))
    return put(out, at, b'"')


cdef bytes game_prefix(str slug):
    if not plain_ascii(slug):
        raise ValueError(f"a game slug must be plain ASCII, got {slug!r}")
    return b'{"game":"' + slug.encode("ascii") + b'","tick":'


cdef tuple checked_state(object state, Py_ssize_t size):
    # Indexing below skips bounds checks, so the shape is checked once, here.
    if not isinstance(state, tuple) or len(<tuple>state) != size:
        raise TypeError(f"expected a game state of {size} fields, got {state!r}")
    return <tuple>state


cdef tuple checked_items(object items):
    """A state's pipes or objects, each a tuple of three ints, or a TypeError."""
    if not isinstance(items, tuple):
        raise TypeError(f"expected a tuple of items, got {items!r}")
    for item in <tuple>items:
        if not isinstance(item, tuple) or len(<tuple>item) != 3:
            raise TypeError(f"expected items of three ints, got {item!r}")
    return <tuple>items


cdef bint fits(tuple state, Py_ssize_t items):
    cdef Py_ssize_t strings = 0
    if state[2] is not None:
        strings += len(state[2])
    if state[3] is not None:
        strings += len(state[3])
    return FIXED_BOUND + strings + ITEM_BOUND * items <= CAPACITY


cdef class FrameWriter:
    """What both games' frames start with: the header, the world (fixed), the speed."""

    cdef Py_ssize_t size, items_at
    cdef bytes game, world
    cdef SpeedRamp speed

    def __init__(self, engine, dict world, str items):
        """``world``: the frame's fixed world; ``items``: the state's field of pipes or objects."""
        fields = engine.state_type._fields
        if fields[:4] != ("tick", "score", "end_reason", "hit"):
            raise ValueError("a game state starts with tick, score, end_reason, hit")
        self.size = len(fields)
        self.game = game_prefix(engine.slug)
        self.world = b',"world":' + orjson.dumps(world) + b',"speed":'
        self.speed = speed_ramp(engine.config)
        self.items_at = fields.index(items)

    def json(self, state):
        """The frame's JSON text, or None where only the reference writer is exact."""
        cdef char out[CAPACITY]
        cdef tuple s = checked_state(state, self.size)
        cdef tuple items = checked_items(s[self.items_at])
        cdef Py_ssize_t at
        if not fits(s, len(items)):
            return None
        try:
            at = put_header(out, 0, self.game, s)
            if at < 0:
                return None
            at = put_bytes(out, at, self.world)
            at = put_int(out, at, speed_at(&self.speed, s[0]))
            at = self.body(out, at, s, items)
        except OverflowError:
            return None
        return None if at < 0 else out[:at].decode("ascii")

    cdef Py_ssize_t body(self, char* out, Py_ssize_t at, tuple state, tuple items) except -2:
        """Writes the rest of the frame after its speed; -1: only the reference is exact."""
        raise NotImplementedError


cdef class FlappyFrameWriter(FrameWriter):
    """``FlappyBots.frame`` as JSON, from a FlappyState."""

    cdef long long bird_x, bird_radius, pipe_width
    cdef Py_ssize_t y, vy, dist

    def __init__(self, engine):
        c = engine.config
        FrameWriter.__init__(self, engine, {"width": c.width, "height": c.height}, "pipes")
        self.bird_x, self.bird_radius, self.pipe_width = c.bird_x, c.bird_radius, c.pipe_width
        fields = engine.state_type._fields
        self.y, self.vy = fields.index("y"), fields.index("vy")
        self.dist = fields.index("dist")

    cdef Py_ssize_t body(self, char* out, Py_ssize_t at, tuple s, tuple pipes) except -2:
        cdef tuple pipe
        cdef Py_ssize_t i
        cdef long long dist = s[self.dist]
        at = put(out, at, b',"bird":{"x":')
        at = put_int(out, at, self.bird_x)
        at = put(out, at, b',"y":')
        at = put_int(out, at, s[self.y])
        at = put(out, at, b',"vy":')
        at = put_int(out, at, s[self.vy])
        at = put(out, at, b',"radius":')
        at = put_int(out, at, self.bird_radius)
        at = put(out, at, b'},"pipes":[')
        for i in range(len(pipes)):
            pipe = <tuple>pipes[i]  # checked_items: a tuple of three
            if i:
                at = put(out, at, b',')
            at = put(out, at, b'{"x":')
            at = put_int(out, at, <long long>pipe[0] - dist)
            at = put(out, at, b',"width":')
            at = put_int(out, at, self.pipe_width)
            at = put(out, at, b',"gap_top":')
            at = put_int(out, at, pipe[1])
            at = put(out, at, b',"gap_bottom":')
            at = put_int(out, at, pipe[2])
            at = put(out, at, b'}')
        return put(out, at, b']}')


cdef class ShellFrameWriter(FrameWriter):
    """``ShellRunners.frame`` as JSON, from a ShellState."""

    cdef tuple heights, kinds, lengths
    cdef Py_ssize_t lane, jump_left, duck_left, dist, shells

    def __init__(self, engine, lanes, heights, kind_names, kind_lengths):
        c = engine.config
        world = {"lanes": lanes, "view_distance": c.view_distance, "crab_length": c.crab_length}
        FrameWriter.__init__(self, engine, world, "objects")
        self.heights = tuple(heights)
        # Each kind as the JSON that opens its object: {"kind":"rock","lane":
        self.kinds = tuple(b'{"kind":' + orjson.dumps(name) + b',"lane":' for name in kind_names)
        self.lengths = tuple(b',"length":' + orjson.dumps(length) + b'}' for length in kind_lengths)
        fields = engine.state_type._fields
        self.lane, self.jump_left = fields.index("lane"), fields.index("jump_left")
        self.duck_left, self.dist = fields.index("duck_left"), fields.index("dist")
        self.shells = fields.index("shells")

    cdef Py_ssize_t body(self, char* out, Py_ssize_t at, tuple s, tuple objects) except -2:
        cdef tuple obj
        cdef Py_ssize_t i, kind
        cdef long long dist = s[self.dist]
        cdef long long jump_left = s[self.jump_left]
        if not 0 <= jump_left < len(self.heights):
            return -1
        at = put(out, at, b',"distance":')
        at = put_int(out, at, dist)
        at = put(out, at, b',"shells":')
        at = put_int(out, at, s[self.shells])
        at = put(out, at, b',"crab":{"lane":')
        at = put_int(out, at, s[self.lane])
        at = put(out, at, b',"height":')
        at = put_int(out, at, self.heights[jump_left])
        if jump_left:
            at = put(out, at, b',"pose":"jump"},"objects":[')
        elif s[self.duck_left]:
            at = put(out, at, b',"pose":"duck"},"objects":[')
        else:
            at = put(out, at, b',"pose":"run"},"objects":[')
        for i in range(len(objects)):
            obj = <tuple>objects[i]  # checked_items: a tuple of three
            kind = obj[2]
            if not 0 <= kind < len(self.kinds):
                return -1
            if i:
                at = put(out, at, b',')
            at = put_bytes(out, at, self.kinds[kind])
            at = put_int(out, at, obj[1])
            at = put(out, at, b',"z":')
            at = put_int(out, at, <long long>obj[0] - dist)
            at = put_bytes(out, at, self.lengths[kind])
        return put(out, at, b']}')
