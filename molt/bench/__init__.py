"""Load and measurement tools shared by ``molt bench`` and the integration tests.

They stand in for edges and agents: they write commands and play sessions over the
real broker exactly as an edge and its bots would, and never import the worker.
"""
