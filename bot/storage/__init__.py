"""SQLite in one place: opening the file, migrations, transactions, /forget, statistics.

Standard library only; imports nothing else from `bot`.
"""
