"""The Kota Malang demo: a synthetic scenario, its roster, the starter files, the run."""
