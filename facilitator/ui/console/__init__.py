"""The live block console: the Today page and the console window with its widgets.

Each widget lives in its own module (header, board, go-around, jots, flags, segments, privacy,
shortcuts, end summary); ``window.ConsoleWindow`` composes them and calls the services.
"""
