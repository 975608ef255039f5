"""Road networks: ``osm`` (reading OSM files, way filters), ``speeds`` (French speed rules),
``graph`` (ways to a simplified graph), ``network`` (CSR arrays, snapping), ``territory``
(the cached drive and walk graphs of an area) and ``estimate`` (the model without roads)."""
