"""Product infrastructure: what the worker, the edge and the tools share to reach Kafka.

Settings, the command appender, the log and run readers, topic administration and the
local broker. It sits on the records (``schemas``) and the game core, and never imports
the worker (``streams``), the edge (``app``) or the CLI (``molt``).
"""
