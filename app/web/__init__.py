"""The web page people use: the game list and each game's core page (watch live, practice).

Static HTML, CSS and JavaScript modules served by the edge itself, no build step; the
page talks only to the public HTTP and WebSocket API, like any other client.
"""
