"""Harbourmasters' landing reports of the demo data: routine, suspicious and off-harbour."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC, WGS84
from geo.synthetic._checks import _stream
from geo.synthetic.events import LANDING_COLUMNS, _days, _ns_index, _times, _to_wgs84, _window
from geo.synthetic.params import (
    _DAY_S,
    _WIB_OFFSET_H,
    OFF_HARBOUR_SHARE,
    SUSPICIOUS_AT_HARBOUR_SHARE,
    SYNTHETIC_NAMESPACE,
)
from geo.synthetic.surface import TrueRiskSurface
from geo.vocabulary import (
    DIRECTIONS,
    REVIEW_STATES,
    SUSPICION_FLAGS,
    VESSEL_TYPES,
)

# Vessel vocabulary for landings. Prefixes: KM kapal motor, KMP ferry, KLM kapal layar motor, MT tanker.
_ID_NAMES: Final = (
    "Sumber Rejeki", "Sinar Harapan", "Putra Bahari", "Barokah Jaya", "Cahaya Laut", "Mutiara Timur",
    "Bintang Samudra", "Rahmat Ilahi", "Berkah Abadi", "Karya Mandiri", "Harapan Baru", "Mina Jaya",
    "Tunas Muda", "Sinar Madura", "Rizki Bersama", "Usaha Baru", "Dewi Sri", "Nur Hidayah", "Anugerah Laut",
    "Jaya Makmur", "Bahari Sejahtera", "Putri Sapudi", "Lintas Kangean", "Maju Bersama", "Sri Rejeki",
    "Samudra Jaya", "Bina Usaha",
)  # fmt: skip
# Generic names only: names of real ferries (Dharma Kencana, Sabuk Nusantara, ...) stay out of synthetic data.
_FOREIGN_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "MY": ("Seri Mutiara", "Bintang Timur", "Sinar Sabah", "Kota Tawau"),
    "PH": ("Lucky Star", "Santa Cruz", "Golden Mindanao"),
    "VN": ("Hai Au", "Binh Minh", "Thanh Dat"),
    "TL": ("Lafaek", "Atauro Star"),
    "SG": ("Pacific Venture", "Straits Pioneer"),
}
_PREFIX: Final[Mapping[str, str]] = {
    "fishing": "KM", "cargo": "KM", "passenger": "KM", "ferry": "KMP", "tanker": "MT", "speedboat": "SB",
    "traditional": "KLM", "other": "KM",
}  # fmt: skip
_REG_AREAS: Final = ("Kn", "Ka", "Sp", "Bb")  # pseudo registration-area suffixes ("GT.12 No.345/Kn")
_GT: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (3, 30), "cargo": (35, 800), "passenger": (20, 300), "ferry": (300, 1500), "tanker": (100, 3000),
    "speedboat": (1, 6), "traditional": (2, 12), "other": (2, 60),
}  # fmt: skip
_CREW: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (2, 12), "cargo": (5, 15), "passenger": (4, 12), "ferry": (10, 25), "tanker": (8, 20),
    "speedboat": (1, 3), "traditional": (1, 4), "other": (1, 6),
}  # fmt: skip
_PASSENGERS: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (0, 0), "cargo": (0, 2), "passenger": (10, 120), "ferry": (20, 300), "tanker": (0, 0),
    "speedboat": (0, 10), "traditional": (0, 4), "other": (0, 5),
}  # fmt: skip
_SMALL_BOATS: Final = ("speedboat", "traditional", "fishing", "other")
_HARBOUR_TYPE_P: Final = np.array([0.40, 0.12, 0.10, 0.10, 0.03, 0.06, 0.15, 0.04])  # order of VESSEL_TYPES
_OFF_TYPE_P: Final = np.array([0.30, 0.0, 0.0, 0.0, 0.0, 0.30, 0.35, 0.05])
_FLAGS: Final = ("ID", "MY", "PH", "VN", "TL", "SG")
_FLAG_P_ROUTINE: Final = np.array([0.965, 0.012, 0.008, 0.008, 0.004, 0.003])
_FLAG_P_SUSPICIOUS: Final = np.array([0.82, 0.07, 0.05, 0.04, 0.02, 0.0])
_EXTERNAL_ORIGINS: Final = (
    "Surabaya", "Gresik", "Pamekasan", "Probolinggo", "Situbondo", "Banyuwangi", "Denpasar", "Lembar", "Bima",
    "Makassar", "Banjarmasin", "Kotabaru", "Batulicin", "Balikpapan", "Tarakan", "Nunukan",
)  # fmt: skip
_FOREIGN_ORIGINS: Final[Mapping[str, tuple[str, ...]]] = {
    "MY": ("Tawau", "Sandakan", "Johor Bahru"),
    "PH": ("General Santos", "Zamboanga"),
    "VN": ("Vung Tau", "Phu Quoc"),
    "TL": ("Dili",),
    "SG": ("Singapore",),
}
_HARBOUR_KIND_WEIGHT: Final[Mapping[str, float]] = {
    "official_port": 5.0,
    "ferry_terminal": 4.0,
    "fishing_port": 3.0,
    "informal_landing": 1.5,
    "special_terminal": 0.5,
}
_HARBOUR_FLAGS: Final = ("no_manifest", "undocumented_foreigners", "transshipment", "ais_off", "evasive", "overcrowded")
_HARBOUR_FLAGS_P: Final = np.array([0.30, 0.20, 0.12, 0.13, 0.13, 0.12])


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _landings(
    surface: TrueRiskSurface,
    harbours: gpd.GeoDataFrame,
    seed: int,
    n: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> gpd.GeoDataFrame:
    rng = _stream(seed, "landings")
    days, dur = _days(start, end)
    n_off = round(n * OFF_HARBOUR_SHARE)
    n_sus = round((n - n_off) * SUSPICIOUS_AT_HARBOUR_SHARE)
    n_routine = n - n_off - n_sus
    # Row groups: 0 routine at a harbour, 1 suspicious at a harbour, 2 off-harbour arrival, 3 off-harbour departure.
    n_dep = round(n_off * 0.35)
    group = np.repeat(np.arange(4), [n_routine, n_sus, n_off - n_dep, n_dep])

    slugs = harbours["slug"].astype(str).to_numpy()
    names = (harbours["name"] if "name" in harbours.columns else harbours["slug"]).fillna(harbours["slug"])
    names_arr = names.astype(str).to_numpy()
    hb_metric = harbours.to_crs(METRIC)
    hb_xy = shapely.get_coordinates(hb_metric.geometry.array)
    base_w = np.array([_HARBOUR_KIND_WEIGHT.get(str(k), 1.0) for k in harbours["kind"]])
    risk_at = surface.intensity(harbours.geometry.reset_index(drop=True), kind="landing")
    harbour = np.full(n, -1, dtype=np.int64)
    harbour[group == 0] = rng.choice(len(slugs), size=n_routine, p=base_w / base_w.sum())
    sus_w = base_w * risk_at
    harbour[group == 1] = rng.choice(len(slugs), size=n_sus, p=sus_w / sus_w.sum())

    # Days: routine traffic follows the regency-wide yearly cycle; off-harbour ones the full surface.
    day = np.empty(n, dtype=np.int64)
    at_harbour = group <= 1
    cycle = surface._season_classes("landing", days, dur).sum(axis=0)
    cum = np.cumsum(cycle)
    day[at_harbour] = np.searchsorted(cum, rng.random(int(at_harbour.sum())) * cum[-1], side="right")
    day = np.minimum(day, len(days) - 1)
    where = np.full(n, -1, dtype=np.int64)
    for g, rk in ((2, "landing"), (3, "tppo")):
        sel = group == g
        if sel.any():
            where[sel], day[sel] = surface._sample(rng, rk, int(sel.sum()), days, dur)
    night_share = np.select([group == 0, group == 1], [0.15, 0.5], 0.75)
    t = _times(rng, days, day, night_share, start, end)
    wib_hour = ((t // 10**9 + _WIB_OFFSET_H * 3600) % _DAY_S) / 3600
    is_night = (wib_hour >= 18) | (wib_hour < 6)
    obs_lo, obs_hi = _window(rng, t, (0.4, 0.6, 0.0), (0.1, 2.0), (0.5, 2.0), start, end)
    off = ~at_harbour
    long_lo, long_hi = _window(rng, t, (0.1, 0.7, 0.2), (1.0, 24.0), (1.0, 3.0), start, end)
    obs_lo = _ns_index(np.where(off, long_lo.asi8, obs_lo.asi8))
    obs_hi = _ns_index(np.where(off, long_hi.asi8, obs_hi.asi8))

    # Places: at or near the harbour point (post GPS), or on the coast for off-harbour ones.
    precision = np.where(
        at_harbour,
        rng.choice(np.array([10.0, 25.0, 50.0, 100.0]), size=n),
        rng.choice(np.array([100.0, 250.0, 500.0, 1000.0, 2000.0]), size=n, p=[0.25, 0.3, 0.25, 0.15, 0.05]),
    )
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = 0.8 * precision * np.sqrt(rng.random(n))
    xy = np.zeros((n, 2))
    offset = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    xy[at_harbour] = hb_xy[harbour[at_harbour]] + offset[at_harbour]
    if off.any():
        xy[off] = surface._place(rng, where[off], precision[off])

    suspicious = group >= 1
    vtype = np.where(
        at_harbour & ~suspicious,
        rng.choice(len(VESSEL_TYPES), size=n, p=_HARBOUR_TYPE_P),
        rng.choice(len(VESSEL_TYPES), size=n, p=_OFF_TYPE_P),
    )
    vtype = np.where(group == 1, rng.choice(len(VESSEL_TYPES), size=n, p=_HARBOUR_TYPE_P), vtype)
    flag_idx = np.where(
        suspicious,
        rng.choice(len(_FLAGS), size=n, p=_FLAG_P_SUSPICIOUS),
        rng.choice(len(_FLAGS), size=n, p=_FLAG_P_ROUTINE),
    )
    direction = np.where(group == 2, 0, np.where(group == 3, 1, rng.integers(0, 2, n)))

    rows: dict[str, list[object]] = {c: [] for c in LANDING_COLUMNS if c != "geometry"}
    for i in range(n):
        vt = VESSEL_TYPES[int(vtype[i])]
        flag = _FLAGS[int(flag_idx[i])]
        crew = int(rng.integers(_CREW[vt][0], _CREW[vt][1] + 1))
        passengers = int(rng.integers(_PASSENGERS[vt][0], _PASSENGERS[vt][1] + 1))
        flags: set[str] = set()
        if group[i] >= 2:
            flags.add("off_harbour")
            if group[i] == 3 and vt in _SMALL_BOATS:
                passengers = int(rng.integers(3, 41))  # a departure of would-be migrant workers
            for f, pf in (("no_manifest", 0.3), ("evasive", 0.15), ("transshipment", 0.1)):
                if rng.random() < pf:
                    flags.add(f)
        elif group[i] == 1:
            k = 1 + int(rng.random() < 0.35)
            flags.update(str(f) for f in rng.choice(_HARBOUR_FLAGS, size=k, replace=False, p=_HARBOUR_FLAGS_P))
        if "overcrowded" in flags:
            passengers = max(passengers, int(rng.integers(16, 45)) if vt in _SMALL_BOATS else passengers * 2 + 20)
        if vt in _SMALL_BOATS and passengers > 15 and group[i] >= 1:
            flags.add("overcrowded")
        persons = crew + passengers
        if flag != "ID":
            foreign = crew + int(rng.binomial(passengers, 0.5))
        elif "undocumented_foreigners" in flags or (group[i] >= 2 and rng.random() < 0.15):
            foreign = int(rng.integers(1, persons + 1))
        else:
            foreign = int(rng.binomial(passengers, 0.02)) if vt in ("ferry", "passenger") else 0
        if foreign > 0 and group[i] >= 2 and rng.random() < 0.6:
            flags.add("undocumented_foreigners")
        if suspicious[i] and is_night[i]:
            flags.add("night")

        if flag == "ID":
            name = f"{_PREFIX[vt]} {_pick(rng, _ID_NAMES)}"
            if rng.random() < 0.3:
                name += f" {_pick(rng, ('II', 'III', 'IV', '01', '07', '88'))}"
            lo_gt, hi_gt = _GT[vt]
            no_reg = {"traditional": 0.3, "speedboat": 0.2}.get(vt, 0.03) + (0.3 if group[i] >= 2 else 0.0)
            reg: str | None = None
            if rng.random() >= no_reg:
                gt, number = int(rng.integers(lo_gt, hi_gt + 1)), int(rng.integers(1, 3000))
                reg = f"GT.{gt} No.{number}/{_pick(rng, _REG_AREAS)}"
        else:
            name = f"{'FV' if vt == 'fishing' else 'MV'} {_pick(rng, _FOREIGN_NAMES[flag])}"
            reg = None if rng.random() < 0.3 else f"{flag}-{int(rng.integers(1000, 99999)):05d}"

        h = int(harbour[i])
        if direction[i] == 1:  # departure: the voyage starts here
            origin = names_arr[h] if h >= 0 else str(surface._island_names[surface._coast_island[where[i]]])
        elif flag != "ID":
            origin = _pick(rng, _FOREIGN_ORIGINS[flag])
        elif h >= 0 and len(names_arr) > 1 and rng.random() < 0.6:
            others = [names_arr[j] for j in range(len(names_arr)) if j != h]
            origin = _pick(rng, others)
        else:
            origin = _pick(rng, _EXTERNAL_ORIGINS)

        rows["client_uuid"].append(uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:landing:{i}"))
        rows["harbour_slug"].append(str(slugs[h]) if h >= 0 else None)
        rows["vessel_name"].append(name)
        rows["vessel_registration"].append(reg)
        rows["vessel_flag"].append(flag)
        rows["vessel_type"].append(vt)
        rows["persons_aboard"].append(persons)
        rows["crew"].append(crew)
        rows["foreign_nationals"].append(min(foreign, persons))
        rows["origin"].append(origin)
        rows["direction"].append(DIRECTIONS[int(direction[i])])
        rows["suspicion_flags"].append([f for f in SUSPICION_FLAGS if f in flags])
    rows["review_state"] = list(
        np.where(
            suspicious,
            rng.choice(REVIEW_STATES, size=n, p=[0.45, 0.45, 0.10]),
            rng.choice(REVIEW_STATES, size=n, p=[0.35, 0.62, 0.03]),
        )
    )

    order = np.lexsort((np.arange(n), obs_lo.asi8))
    data: dict[str, object] = {}
    for col, values in rows.items():
        arr = np.empty(n, dtype=object)
        for j, v in enumerate(values):  # element-wise: numpy would try to broadcast the flag lists
            arr[j] = str(v) if col == "review_state" else v
        data[col] = arr[order]
    # UUIDs follow the final row order, so row i of any seed is always uuid5(ns, f"{seed}:landing:{i}").
    data["client_uuid"] = np.array(rows["client_uuid"], dtype=object)
    for col in ("persons_aboard", "crew", "foreign_nationals"):
        data[col] = np.asarray(data[col], dtype=np.int64)
    data["observed_start"] = obs_lo[order]
    data["observed_end"] = obs_hi[order]
    data["precision_m"] = precision[order].astype(np.float64)
    data["synthetic"] = np.ones(n, dtype=bool)
    frame = gpd.GeoDataFrame(data, geometry=_to_wgs84(xy[order]), crs=WGS84)
    # Object dtype keeps a real None (pandas' str dtype would turn it into NaN).
    for col in ("harbour_slug", "vessel_registration"):
        frame[col] = pd.Series(data[col], dtype=object)
    return frame[list(LANDING_COLUMNS)]
