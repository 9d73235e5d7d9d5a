"""The web app: FastAPI routes over the same core, services and database as the terminal."""
