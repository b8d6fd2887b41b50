"""Solvers: guard groups and bounds, named pairs, reserve, routing core, patrols, logistics."""
