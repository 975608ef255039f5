"""The base layer: errors, units and time parsing, places and matrices, atomic writes.

Imports nothing from the rest of itinerant.
"""
