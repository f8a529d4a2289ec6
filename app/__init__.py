"""Pesisir: geospatial risk mapping of illegal landings and trafficking routes on the coast of Sumenep."""

__version__ = "0.1.0"
