"""Controlled vocabularies shared by the geo library, the database enums and the API schemas.

Tuples keep their order: the first value is the default where one is needed.
"""

from __future__ import annotations

from typing import Final

INCIDENT_KINDS: Final = (
    "tppo",
    "people_smuggling",
    "pmi_nonprocedural",
    "illegal_landing",
    "drug_smuggling",
    "illegal_fishing",
    "foreign_vessel",
    "other",
)
"""Trafficking in persons (TPPO), people smuggling, non-procedural migrant-worker (PMI) departure, illegal landing,
drug smuggling, illegal fishing, a foreign vessel, and anything else."""

HARBOUR_KINDS: Final = (
    "official_port",
    "fishing_port",
    "ferry_terminal",
    "special_terminal",
    "informal_landing",
)

REVIEW_STATES: Final = ("reported", "verified", "rejected")

CONFIDENCE_LEVELS: Final = ("low", "medium", "high")

DIRECTIONS: Final = ("arrival", "departure")

VESSEL_TYPES: Final = (
    "fishing",
    "cargo",
    "passenger",
    "ferry",
    "tanker",
    "speedboat",
    "traditional",
    "other",
)

LANDING_NOTES_MAX: Final = 1000
"""Most characters of a landing's free-text notes (API, database check of migration 0014, the reporting page): a few
short paragraphs, and a batch of 500 reports each with the longest notes stays under the 1 MiB body limit."""

SUSPICION_FLAGS: Final = (
    "off_harbour",  # landed or departed away from any harbour
    "night",  # between dusk and dawn
    "no_manifest",  # no passenger or cargo manifest shown
    "undocumented_foreigners",  # foreign nationals without travel documents
    "transshipment",  # people or goods moved between vessels at sea
    "ais_off",  # transponder switched off or absent on a vessel that should carry one
    "evasive",  # avoided inspection or changed course when approached
    "overcrowded",  # more persons aboard than the vessel is fit for
)

USER_ROLES: Final = ("admin", "intelligence", "harbourmaster", "planner")

RISK_KINDS: Final = ("landing", "tppo")

RISK_CLASSES: Final = ("low", "medium", "high", "critical")
"""After EUROSUR's impact levels."""

INCIDENT_RISK_KIND: Final = {
    "tppo": "tppo",
    "people_smuggling": "tppo",
    "pmi_nonprocedural": "tppo",
    "illegal_landing": "landing",
    "drug_smuggling": "landing",
    "foreign_vessel": "landing",
    "illegal_fishing": "landing",
    "other": "landing",
}
"""Which risk kind each incident kind counts towards: trafficking and departures -> tppo, the rest -> landing."""

# The Indonesian monsoons: the months each blows and the direction it blows FROM (degrees from north).
# One definition for the risk factors (geo.factors) and the synthetic generator (geo.synthetic).
SEASONS: Final = ("annual", "west", "east")
"""What a score is computed for: the year's mean, the west monsoon (Dec-Mar) or the east monsoon (Jun-Sep)."""
WEST_MONSOON_MONTHS: Final = (12, 1, 2, 3)
EAST_MONSOON_MONTHS: Final = (6, 7, 8, 9)
WEST_MONSOON_FROM_DEG: Final = 290.0
EAST_MONSOON_FROM_DEG: Final = 110.0

# Sea routes: when boats sail, in what, through which waters, between which kinds of place.
ROUTE_SEASONS: Final = ("west", "east", "transition")
"""A route's season: the west monsoon (Dec-Mar), the east monsoon (Jun-Sep), or the transition months between
them (Apr-May, Oct-Nov), when the sea is calmest."""
ROUTE_SEASON_MONTHS: Final = {
    "west": WEST_MONSOON_MONTHS,
    "east": EAST_MONSOON_MONTHS,
    "transition": (4, 5, 10, 11),
}
BOAT_CLASSES: Final = ("perahu", "fishing_boat", "speedboat", "steel_ship")
"""Wooden motor boat (perahu motor), fishing boat (kapal motor nelayan), speedboat, steel ship (ferry, cargo)."""
SEA_AREAS: Final = ("java_sea", "madura_strait", "bali_sea", "flores_sea", "makassar_strait")
"""The sea areas whose typical sea state per season sets the boats' speed and whether they sail."""
PLACE_KINDS: Final = (*HARBOUR_KINDS, "port", "staging_area")
"""A place of the routes gazetteer: one of the regency's harbour kinds, a port outside the regency, or a known
staging area (a beach or anchorage where people or goods are gathered before a crossing)."""
SUMENEP_COAST: Final = "sumenep-coast"
"""In the flows table: any point of Sumenep's coast (where a boat may land or leave unseen)."""
