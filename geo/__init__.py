"""Pesisir's pure geospatial library: GeoDataFrame in, GeoDataFrame out.

Nothing here imports the web service, FastAPI or SQLAlchemy (an import-linter contract enforces it).
"""
