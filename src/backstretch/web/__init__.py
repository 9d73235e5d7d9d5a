"""The web app: FastAPI routes and pages over the same use cases (`services`) as the terminal."""
