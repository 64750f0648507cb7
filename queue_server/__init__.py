"""Cherha queue server."""
