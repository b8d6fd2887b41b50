"""Inputs: the rules, the planners' tables (TPS, posts, roster, sites) and their scenario."""
