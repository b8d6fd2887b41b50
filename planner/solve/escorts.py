"""The logistics' escorted truck routes with their stops, and the goods no route carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogisticsStop:
    """Loading (``load``) or unloading (``unload``) one consignment; ``load_after`` on board."""

    consignment_id: str
    action: str
    place: str
    arrival_s: int
    start_s: int
    departure_s: int
    load_after: int
    tps: tuple[str, ...]


@dataclass(frozen=True)
class EscortRoute:
    """One truck and its escort unit from the escort's post and back, with road geometry."""

    route_id: str
    leg: str
    area: str
    truck_id: str
    escort_id: str
    post_id: str
    window: int
    capacity: int
    officers: int
    start_s: int
    end_s: int
    stops: tuple[LogisticsStop, ...]
    geometry: tuple[tuple[float, float], ...]

    @property
    def escort_hours(self) -> float:
        """Officer-hours of the escort on this route."""
        return (self.end_s - self.start_s) * self.officers / 3600


@dataclass(frozen=True)
class Undelivered:
    """A consignment no route carries, and why (Indonesian and English)."""

    consignment_id: str
    leg: str
    kecamatan: str
    origin: str
    reason_id: str
    reason_en: str
