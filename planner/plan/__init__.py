"""The plan document (``plan.json``): built from the solvers' results, written and read."""
