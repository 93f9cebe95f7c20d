# cython: language_level=3, boundscheck=False, wraparound=False
"""The engines' ``step`` written in C: the worker's hottest step now that frames are.

A thousand live sessions are 30,000 steps a second. In Python each step unpacks a
state tuple, builds a new one and a NamedTuple for the result, a large share of the
worker's CPU. These steppers compute the same next state in C ints and build the same
NamedTuples.

The engines' Python ``step`` stays the reference, as ``frame`` does for the frame
writers: ``EngineBase.advance`` uses a stepper from here when the install compiled this
module, and tests hold the two equal, state for state, over random and long played runs.
A stepper returns None whenever it would not be exact, and the caller steps the state
with the reference: an ended run, a negative tick, a field that is not a plain int, a
value beyond ±2**31 (so no sum or product here can overflow 64 bits), a kind or a jump
timer outside the rules' tables, a PRNG bound that is not positive.

Division stays Python's floor division (``cdivision`` is off): Flappy Bots' score
divides a distance that is negative before the first pipe. The speed ramp, shared with
the frame writers (``speedramp.pxd``), divides in C, hence no negative tick.
"""

import dataclasses

from cpython.long cimport PyLong_CheckExact
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_SET_ITEM

from streams.sim.speedramp cimport SpeedRamp, speed_at, speed_ramp

from streams.sim.engine import COLLISION, MAX_DURATION, Step

cdef extern from "Python.h":
    ctypedef struct PyTypeObject
    long long PyLong_AsLongLongAndOverflow(object value, int* overflow) except? -1
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t items)

ctypedef unsigned long long u64

cdef extern from *:
    """
    static inline unsigned long long molt_mulhi64(unsigned long long a, unsigned long long b) {
        return (unsigned long long)(((unsigned __int128)a * b) >> 64);
    }
    """
    u64 molt_mulhi64(u64 a, u64 b) nogil

# Every int a stepper reads stays below this in magnitude, and so does every config
# knob: a product of two is below 2**62, and no expression here adds up more than a
# few such terms, so none overflows 64 bits.
cdef long long LIMIT = 1LL << 31


cdef object named(type cls, tuple items):
    """``cls(*items)`` for a NamedTuple class, built as ``tuple.__new__`` builds it.

    Calling the class, or ``tuple.__new__``, through Python cost about as much as the
    rest of a compiled step together.
    """
    cdef Py_ssize_t i, n = len(items)
    result = PyType_GenericAlloc(<PyTypeObject*>cls, n)
    for i in range(n):
        item = items[i]
        Py_INCREF(item)  # SET_ITEM steals a reference
        PyTuple_SET_ITEM(result, i, item)
    return result


cdef inline u64 next_u64(u64* state) noexcept:
    """SplitMix64, as streams.sim.prng.next_u64: C's unsigned arithmetic wraps mod 2**64."""
    state[0] = state[0] + 0x9E3779B97F4A7C15ULL
    cdef u64 z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline long long below(u64* state, long long bound) noexcept:
    """streams.sim.prng.below for a bound in 1 .. LIMIT."""
    return <long long>molt_mulhi64(next_u64(state), <u64>bound)


cdef inline bint small(object value):
    """A plain int the stepper can hold exactly (no bool: the reference would keep it one)."""
    cdef int overflow = 0
    if not PyLong_CheckExact(value):
        return False
    cdef long long v = PyLong_AsLongLongAndOverflow(value, &overflow)
    return overflow == 0 and -LIMIT < v < LIMIT


cdef inline bint rng_state(object value):
    """A PRNG state: a plain int in 0 .. 2**64 - 1."""
    return type(value) is int and 0 <= value <= 0xFFFFFFFFFFFFFFFF


cdef bint small_triples(object items):
    """A tuple of (int, int, int) tuples, every int small: pipes, objects."""
    if type(items) is not tuple:
        return False
    for item in <tuple>items:
        if type(item) is not tuple or len(<tuple>item) != 3:
            return False
        if not (small((<tuple>item)[0]) and small((<tuple>item)[1]) and small((<tuple>item)[2])):
            return False
    return True


cdef tuple live(object state, type state_type, tuple ints, Py_ssize_t items):
    """``state`` when a stepper can take it, else None: a live state of the engine's type
    whose fields at ``ints`` are small, whose tick (field 0, among ``ints``) is not
    negative, whose ``rng`` (field 4 in both games) is a PRNG state, and whose field
    ``items`` holds small triples."""
    if type(state) is not state_type:
        return None
    cdef tuple s = <tuple>state
    if s[2] is not None or not rng_state(s[4]) or not small_triples(s[items]):
        return None
    for i in ints:
        if not small(s[i]):
            return None
    if s[0] < 0:
        return None  # the speed ramp divides the tick in C (speedramp.pxd)
    return s


def holds(config):
    """Whether every knob of the game's ``config`` is an int the steppers hold (see
    LIMIT). An engine whose config is not held steps by its reference alone."""
    return all(small(getattr(config, field.name)) for field in dataclasses.fields(config))


cdef object held_config(engine):
    """The engine's config, refused unless the steppers hold it (``holds``)."""
    c = engine.config
    if not holds(c):
        raise ValueError(f"{type(c).__name__} has a knob beyond what the compiled step holds")
    return c


cdef class FlappyStepper:
    """FlappyBots.step, in C (streams/sim/flappy.py holds the rules and their reference)."""

    cdef long long gravity, flap_speed, terminal, width, height, bird_x, r, pipe_w
    cdef long long spacing, first_x, max_ticks
    cdef long long gap_start, gap_min, gap_shrink, gap_margin, gap_max_shift
    cdef SpeedRamp speed
    cdef type state_type
    cdef object flap

    def __init__(self, engine, str flap):
        c = held_config(engine)
        self.gravity = c.gravity
        self.flap_speed = c.flap_speed
        self.terminal = c.terminal_velocity
        self.width = c.width
        self.height = c.height
        self.bird_x = c.bird_x
        self.r = c.bird_radius
        self.pipe_w = c.pipe_width
        self.spacing = c.pipe_spacing
        self.first_x = c.first_pipe_x
        self.max_ticks = c.max_ticks
        self.gap_start = c.gap_start
        self.gap_min = c.gap_min
        self.gap_shrink = c.gap_shrink
        self.gap_margin = c.gap_margin
        self.gap_max_shift = c.gap_max_shift
        self.speed = speed_ramp(c)
        self.state_type = engine.state_type
        self.flap = flap

    def step(self, state, tuple actions):
        """The reference's Step for a live state, or None for the reference to take it."""
        cdef tuple s = live(state, self.state_type, (0, 5, 6, 7, 8), 9)
        if s is None:
            return None
        cdef u64 rng = s[4]
        cdef long long tick = <long long>s[0] + 1
        cdef long long vy, y, dist, spawned = s[8]
        cdef tuple pipes = s[9]
        cdef Py_ssize_t first = 0, n = len(pipes)
        if self.flap in actions:
            vy = -self.flap_speed
        else:
            vy = <long long>s[6] + self.gravity
            if vy > self.terminal:
                vy = self.terminal
        y = <long long>s[5] + vy
        dist = <long long>s[7] + speed_at(&self.speed, tick)
        while first < n and <long long>(<tuple>pipes[first])[0] + self.pipe_w <= dist:
            first += 1
        if first:
            pipes = pipes[first:]
        if self.first_x + spawned * self.spacing < dist + self.width:
            pipes = self._spawn(dist, &spawned, pipes, &rng)
            if pipes is None:
                return None

        cdef long long passed = dist + self.bird_x - self.r - self.first_x - self.pipe_w
        cdef long long score = (passed + self.spacing - 1) // self.spacing
        if score < 0:
            score = 0
        cdef long long left, top, bottom
        hit = None
        if y < self.r:
            hit, y = "ceiling", self.r
        elif y > self.height - self.r:
            hit, y = "ground", self.height - self.r
        else:
            for pipe in pipes:
                left = <long long>(<tuple>pipe)[0] - dist
                top = (<tuple>pipe)[1]
                bottom = (<tuple>pipe)[2]
                if (
                    left < self.bird_x + self.r and left + self.pipe_w > self.bird_x - self.r
                    and (y - self.r < top or y + self.r > bottom)
                ):
                    hit = "pipe"
                    break
        reason = COLLISION if hit is not None else MAX_DURATION if tick >= self.max_ticks else None
        next_state = named(self.state_type, (tick, score, reason, hit, rng, y, vy, dist, spawned, pipes))
        return named(Step, (next_state, reason is not None, reason, score))

    cdef tuple _spawn(self, long long dist, long long* spawned, tuple pipes, u64* rng):
        """FlappyBots._spawn; None where the reference must decide (a bound not positive)."""
        cdef long long x = self.first_x + spawned[0] * self.spacing
        cdef long long half, previous, low, high, centre
        cdef list added = []
        cdef tuple last
        if pipes:
            last = pipes[len(pipes) - 1]  # wraparound is off: no negative index
            previous = (<long long>last[1] + <long long>last[2]) // 2
        else:
            previous = self.height // 2
        while x < dist + self.width:
            half = self.gap_start - spawned[0] * self.gap_shrink
            if half < self.gap_min:
                half = self.gap_min
            half = half // 2
            low = max(self.gap_margin + half, previous - self.gap_max_shift)
            high = min(self.height - self.gap_margin - half, previous + self.gap_max_shift)
            if high - low + 1 <= 0:
                return None
            centre = low + below(rng, high - low + 1)
            added.append((x, centre - half, centre + half))
            # The next pipe's "previous" is this one: (top + bottom) // 2 of it.
            previous = ((centre - half) + (centre + half)) // 2
            spawned[0] += 1
            x += self.spacing
        return pipes + tuple(added)


cdef class ShellStepper:
    """ShellRunners.step, in C (streams/sim/shellrunners.py holds the rules and their reference)."""

    cdef long long max_ticks, view_distance, crab_length, crab_height, duck_height
    cdef long long jump_ticks, duck_ticks, row_gap_min, row_gap_spread, shell_points, units_per_point
    cdef long long lanes, trail, trail_step, shell, wall
    cdef long long lengths[4]
    cdef long long lows[4]
    cdef long long highs[4]
    cdef tuple heights, kind_names, wall_masks
    cdef SpeedRamp speed
    cdef type state_type
    cdef object left, right, jump, duck

    def __init__(self, engine, *, tuple heights, tuple spans, tuple kind_names, tuple wall_masks, int lanes, int trail,
                 int trail_step, int shell, int wall, tuple actions):
        c = held_config(engine)
        self.max_ticks = c.max_ticks
        self.view_distance = c.view_distance
        self.crab_length = c.crab_length
        self.crab_height = c.crab_height
        self.duck_height = c.duck_height
        self.jump_ticks = c.jump_ticks
        self.duck_ticks = c.duck_ticks
        self.row_gap_min = c.row_gap_min
        self.row_gap_spread = c.row_gap_spread
        self.shell_points = c.shell_points
        self.units_per_point = c.units_per_point
        self.speed = speed_ramp(c)
        if len(spans) != 4 or len(kind_names) != 4:
            raise ValueError("the compiled step knows four kinds of object")
        for kind in range(4):
            self.lengths[kind], self.lows[kind], self.highs[kind] = spans[kind]
        self.kind_names = kind_names
        self.wall_masks = wall_masks
        self.heights = heights
        self.lanes, self.trail, self.trail_step, self.shell, self.wall = lanes, trail, trail_step, shell, wall
        self.left, self.right, self.jump, self.duck = actions
        self.state_type = engine.state_type

    def step(self, state, tuple actions):
        """The reference's Step for a live state, or None for the reference to take it."""
        cdef tuple s = live(state, self.state_type, (0, 5, 6, 7, 8, 9, 10), 11)
        if s is None:
            return None
        cdef tuple objects = s[11]
        for obj in objects:
            if not 0 <= (<tuple>obj)[2] < 4:
                return None  # a kind the rules' tables do not have
        cdef u64 rng = s[4]
        cdef long long tick = <long long>s[0] + 1
        cdef long long lane = s[5], jump_left = s[6], duck_left = s[7]
        jump_left = jump_left - 1 if jump_left else 0
        duck_left = duck_left - 1 if duck_left else 0
        for action in actions:
            if action == self.left:
                lane = lane - 1 if lane else 0
            elif action == self.right:
                lane = lane + 1 if lane < self.lanes - 1 else lane
            elif jump_left == 0:
                if action == self.jump:
                    jump_left, duck_left = self.jump_ticks, 0
                elif action == self.duck:
                    duck_left = self.duck_ticks
        if not 0 <= jump_left < len(self.heights):
            return None  # the reference indexes its heights with it

        cdef long long dist = <long long>s[8] + speed_at(&self.speed, tick)
        cdef long long next_row_at = s[10]
        cdef Py_ssize_t first = 0, n = len(objects)
        cdef long long kind
        while first < n:
            obj = objects[first]
            kind = (<tuple>obj)[2]
            if <long long>(<tuple>obj)[0] + self.lengths[kind] > dist:
                break
            first += 1
        if first:
            objects = objects[first:]
        if next_row_at < dist + self.view_distance:
            objects = self._spawn(dist, &next_row_at, objects, &rng)
            if objects is None:
                return None

        cdef long long bottom = self.heights[jump_left]
        cdef long long top = bottom + (self.duck_height if duck_left else self.crab_height)
        cdef long long front = dist + self.crab_length
        cdef long long shells = s[9], at, obj_lane
        cdef list collected = None
        hit = None
        for obj in objects:
            at = (<tuple>obj)[0]
            if at >= front:
                break
            obj_lane = (<tuple>obj)[1]
            kind = (<tuple>obj)[2]
            if obj_lane == lane and at + self.lengths[kind] > dist and self.lows[kind] < top and self.highs[kind] > bottom:
                if kind == self.shell:
                    if collected is None:
                        collected = []
                    collected.append(obj)
                elif hit is None:
                    hit = self.kind_names[kind]
        if collected is not None:
            shells += len(collected)
            # As the reference: every object equal to a collected one goes.
            objects = tuple([obj for obj in objects if obj not in collected])

        cdef long long score = dist // self.units_per_point + shells * self.shell_points
        reason = COLLISION if hit is not None else MAX_DURATION if tick >= self.max_ticks else None
        next_state = named(
            self.state_type,
            (tick, score, reason, hit, rng, lane, jump_left, duck_left, dist, shells, next_row_at, objects),
        )
        return named(Step, (next_state, reason is not None, reason, score))

    cdef tuple _spawn(self, long long dist, long long* at, tuple objects, u64* rng):
        """ShellRunners._spawn; None where the reference must decide (a bound not positive)."""
        cdef long long kind, lane, mask, with_shells, i
        cdef list added = []
        if self.row_gap_spread <= 0 or self.lanes <= 0:
            return None
        while at[0] < dist + self.view_distance:
            kind = below(rng, 4)
            if kind == self.shell:
                lane = below(rng, self.lanes)
                for i in range(self.trail):
                    added.append((at[0] + i * self.trail_step, lane, self.shell))
            else:
                if kind == self.wall:
                    mask = self.wall_masks[below(rng, len(self.wall_masks))]
                else:
                    mask = below(rng, 7) + 1
                with_shells = below(rng, 2)
                for lane in range(self.lanes):
                    if mask >> lane & 1:
                        added.append((at[0], lane, kind))
                    elif with_shells:
                        added.append((at[0], lane, self.shell))
            at[0] += self.row_gap_min + below(rng, self.row_gap_spread)
        return objects + tuple(added)
