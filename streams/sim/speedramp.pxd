"""``EngineBase.speed_at`` over C ints, for the compiled frame writers and steppers.

A .pxd of inline functions builds no module of its own: each module that cimports it
compiles its own copy. The division is C's, which is Python's floor division for the
ticks given here: never negative (the steppers hand a negative tick to the reference).
"""

cimport cython


cdef struct SpeedRamp:
    long long start
    long long step
    long long ramp_ticks
    long long maximum


cdef inline SpeedRamp speed_ramp(object config) except *:
    """The ramp of a game's config (``speed_start``, ``speed_step``, ``speed_ramp_ticks``, ``speed_max``)."""
    cdef SpeedRamp ramp
    ramp.start = config.speed_start
    ramp.step = config.speed_step
    ramp.ramp_ticks = config.speed_ramp_ticks
    ramp.maximum = config.speed_max
    return ramp


@cython.cdivision(True)
cdef inline long long speed_at(const SpeedRamp* ramp, long long tick) noexcept:
    cdef long long speed = ramp.start + (tick // ramp.ramp_ticks) * ramp.step
    return speed if speed < ramp.maximum else ramp.maximum
