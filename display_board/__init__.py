"""The hall board and per-desk displays (web pages served by the queue server), voice and LED drivers."""
