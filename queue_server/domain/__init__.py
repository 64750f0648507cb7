"""The pure domain core: no I/O, no imports from the rest of Cherha."""
