"""The browser-facing query page: YASGUI at `/`, served with its assets from `/static/`, fully offline."""
