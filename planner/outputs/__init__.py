"""Outputs: the maps, rosters, GIS layers and summary made from a plan."""
