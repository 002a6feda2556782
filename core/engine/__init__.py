"""Metrics as SQL over column tables: the queries (sql), the tables they read (tables), and the
in-process DuckDB that runs them (duck)."""
