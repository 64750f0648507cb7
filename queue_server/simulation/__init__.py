"""The day simulator: profiles, the engine, drivers (protocol or domain), the report."""
