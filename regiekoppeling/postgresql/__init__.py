"""Django's PostgreSQL backend with psycopg's C loader for `timestamptz` (see `base.py`)."""
