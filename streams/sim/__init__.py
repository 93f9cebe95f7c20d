"""Deterministic game engines: pure rules, no I/O, no clock, no ambient randomness.

Everything here is a function of its arguments. ``registry.ENGINES`` lists the games;
``engine.GameEngine`` is the interface the runtime, the replay tool and the edge use.
"""
