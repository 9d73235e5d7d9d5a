"""Use cases shared by the terminal and the web: core decisions plus the database."""
