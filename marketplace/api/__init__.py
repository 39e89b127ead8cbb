"""The JSON API for partner systems, under /api/v1."""
