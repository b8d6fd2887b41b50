"""tps-planner: election security planning for Kota Malang with OR-Tools and Folium."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tps-planner")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
