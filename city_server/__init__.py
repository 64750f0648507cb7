"""The city server: every branch's events and live summaries in PostgreSQL (docs/city.md).

Imported only by `cherha city` and `cherha city-branch` / `cherha city-staff`: a hall server never needs it.
"""
