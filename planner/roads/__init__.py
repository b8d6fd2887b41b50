"""Roads: the network, snapping onto it, travel times and paths, the scenario placed on it."""
