"""Plain rules over plain values: no I/O, no database, no framework imports.

Everything under ``domain.rules`` is tested without a database and checked with ``mypy --strict``.
"""
