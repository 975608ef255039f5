"""itinerant: route and itinerary optimiser for mobile public services.

Data flows one way::

    scenario -> territory -> matrices -> problem -> solver -> plan -> reports
"""

__version__ = "0.1.0"
