"""The HTTP edge: FastAPI routes that turn requests into service calls and results or errors into HTTP."""
