"""One province's synthetic traffic: its sources and an ordered stream of submissions.

``generate_province(records, seed)`` builds what ``hub demo``, benchmarks and tests feed the hub:
Zhejiang's market-regulation bureaus (province, four cities, three counties each) and its
meteorological bureaus (which supervise lightning protection), and about ``records`` submissions
in the order they arrive. Deterministic for a seed.

What the stream holds (shares of the total, see ``TARGET_SHARES``):

- ``original``: a record sent for the first time by the bureau that owns it. Entities are
  registered in their county (or at the city bureau: ``91330100…``); inspections name a registered
  entity (sometimes a natural person) as counterparty; a penalty follows an inspection that found a
  case (``inspection_action_no``, same counterparty and agency); hazards follow failed lightning
  reports (``source_report_no``) or a bureau's own check. A few originals are corrected
  re-submissions of a record that an earlier ``invalid`` submission got wrong.
- ``cross_level_duplicate``: the current version of a record re-sent by the city or province
  platform that aggregates it, under its own ``source_record_id`` and with sloppy but normalisable
  formatting (surrounding spaces, lower-case or full-width codes, timestamps without offset,
  ``2025/3/1`` dates, ``[2025]`` brackets, ``是/否``, money as a number). Same identity, same
  ``updated_at``, same content once normalised (``submitted_at`` and ``submitter`` may differ).
- ``update``: a later business change of a record (a penalty paid and closed, a hazard rectified,
  an entity deregistered, a correction), with a later ``updated_at``, from the owner or, now and
  then, an aggregating level.
- ``stale_update``: a changed version whose ``updated_at`` lies between the last two versions of a
  record, i.e. before the current one: what a lagging platform sends.
- ``invalid``: a first attempt with one realistic defect (``Submission.defect`` names it). Defects
  never move a record outside its source's region; a retired region code is used only by city and
  province sources, and only one of their own city (e.g. 330103 下城区, merged into 拱墅区 in 2021).

Least privilege holds throughout: a county source sends records of its own county only, a city
source of its city, the province of the province; market bureaus send ``supervised_entity``,
``inspection`` and ``penalty``, meteorological bureaus ``lightning_report`` and ``hazard``.

The package, by concern (each module's docstring says why it is shaped so):

- ``model``: the public types and the stream's kinds and shares;
- ``places``, ``clock``, ``domains``: fixed data (map, working calendar, lines of supervision);
- ``sources``: the bureaus and lightning companies, the same for every seed;
- ``records``, ``state``: what a run remembers, and the one random stream all drafting draws from;
- ``entities``, ``inspections``, ``lightning``: drafting originals of each record type;
- ``changes``, ``defects``, ``sloppy``: updates, planted defects, an aggregator's formatting;
- ``mix``: the scheduler that interleaves the kinds into one stream.
"""

from __future__ import annotations

from hub.testing.province.mix import generate_province
from hub.testing.province.model import (
    KINDS,
    PROVINCE_CODE,
    TARGET_SHARES,
    Province,
    SourceSpec,
    Submission,
)
from hub.testing.province.model import LIGHTNING_TYPES as LIGHTNING_TYPES
from hub.testing.province.model import MARKET_TYPES as MARKET_TYPES
from hub.testing.province.model import PROVINCE_NAME as PROVINCE_NAME
from hub.testing.province.places import RETIRED_CODES

__all__ = [
    "KINDS",
    "PROVINCE_CODE",
    "RETIRED_CODES",
    "TARGET_SHARES",
    "Province",
    "SourceSpec",
    "Submission",
    "generate_province",
]
