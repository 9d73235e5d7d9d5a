"""The pure domain: no web, database, terminal or file IO lives here."""
