"""Road networks: OSM reading, speed rules, the graph of a territory, the estimated model."""
