"""The known true risk surface (:class:`TrueRiskSurface`): formula in the ``geo.synthetic`` docstring."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.crs import METRIC, WGS84
from geo.synthetic._checks import (
    _check_boundaries,
    _check_harbours,
    _check_islands,
    _check_kind,
    _check_seed,
    _stream,
    _utc,
)
from geo.synthetic.params import LAND_BOUNDARY_TOLERANCE_M, FloatArray, IntArray, SurfaceParams
from geo.validation import GeoInputError
from geo.vocabulary import (
    RISK_KINDS,
)

# ------------------------------------------------------------------------------------------------ surface


class TrueRiskSurface:
    """The known intensity that synthetic events are drawn from (formula in the module docstring).

    Parameters
    ----------
    islands
        EPSG:4326 GeoDataFrame with ``code`` (str), ``inhabited`` (bool) and (Multi)Polygon geometry. An
        optional ``name`` column is used in narratives.
    harbours
        EPSG:4326 GeoDataFrame with ``slug``, ``kind``, ``monitored`` (bool) and Point geometry.
    seed
        Seeds the hidden hot spots and the noise field.
    params
        Surface parameters; :class:`SurfaceParams` defaults when None.
    land_boundaries
        Optional line layer (any CRS, set) of land borders cut into the outlines: no coast sample lies within
        :data:`LAND_BOUNDARY_TOLERANCE_M` of them.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114.0, -7.05, 114.1, -6.95)], crs="EPSG:4326")
    >>> hb = gpd.GeoDataFrame({"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...                       geometry=[shapely.Point(114.0, -7.0)], crs="EPSG:4326")
    >>> surface = TrueRiskSurface(isl, hb, seed=1)
    >>> far = gpd.GeoSeries([shapely.Point(114.1, -7.0)], crs="EPSG:4326")
    >>> bool(surface.intensity(far, kind="landing")[0] > 0)
    True
    """

    def __init__(
        self,
        islands: gpd.GeoDataFrame,
        harbours: gpd.GeoDataFrame,
        *,
        seed: int,
        params: SurfaceParams | None = None,
        land_boundaries: gpd.GeoDataFrame | None = None,
    ) -> None:
        _check_islands(islands)
        boundary = _check_boundaries(land_boundaries)
        _check_harbours(harbours)
        _check_seed(seed)
        if params is not None and not isinstance(params, SurfaceParams):
            raise TypeError(f"params: must be a SurfaceParams or None, got {type(params).__name__}")
        self.params: SurfaceParams = params if params is not None else SurfaceParams()
        self.seed: int = seed
        p = self.params
        self._to_metric = Transformer.from_crs(WGS84, METRIC, always_xy=True)

        isl = islands.to_crs(METRIC)
        self._island_codes = isl["code"].astype(str).to_numpy()
        names = isl["name"] if "name" in isl.columns else isl["code"]
        self._island_names = names.fillna(isl["code"]).astype(str).to_numpy()
        self._island_inhabited = isl["inhabited"].to_numpy(dtype=bool)
        self._build_coast(isl, boundary)

        hb = harbours.to_crs(METRIC)
        monitored = hb["monitored"].to_numpy(dtype=bool)
        self._monitored_xy = shapely.get_coordinates(hb.geometry.array[monitored])
        self._harbour_xy = {str(s): (float(g.x), float(g.y)) for s, g in zip(hb["slug"], hb.geometry, strict=True)}
        self._shipping = self._lane_geometry("shipping")
        self._ferry = self._lane_geometry("ferry")
        uninhabited = isl.geometry.array[~self._island_inhabited]
        self._uninhabited_tree = shapely.STRtree(uninhabited) if len(uninhabited) else None

        # Hidden structure: hot spot centres drawn uniformly by coastline length, noise as random features.
        self._hotspots: dict[str, tuple[FloatArray, FloatArray]] = {}
        self._noise: dict[str, tuple[FloatArray, FloatArray]] = {}
        prob = self._coast_len / self._coast_len.sum()
        for kind in RISK_KINDS:
            rng = _stream(seed, f"surface:{kind}")
            k = p.n_hotspots
            centres = self._coast_xy[rng.choice(len(prob), size=k, p=prob)] if k else np.empty((0, 2))
            amps = p.hotspot_amplitude * rng.uniform(0.5, 1.5, size=k)
            self._hotspots[kind] = (centres, amps)
            omega = rng.normal(0.0, 1.0 / p.noise_length_km, size=(p.n_noise_features, 2))
            phase = rng.uniform(0.0, 2 * math.pi, size=p.n_noise_features)
            self._noise[kind] = (omega, phase)

        # Season constants for a reference (non-leap) year, used for when=None annual means.
        ref_days = pd.date_range("2023-01-01", periods=365, freq="D", tz="UTC")
        self._annual = {kind: self._season_classes(kind, ref_days, np.full(365, 1.0 / 365)) for kind in RISK_KINDS}
        # Every term except c_k on the coast samples, then c_k so the mean annual intensity there is 1.
        self._coast_drivers = self._drivers(self._coast_xy, np.arange(len(self._coast_xy)))
        self._intercept: dict[str, float] = {}
        self._coast_log: dict[str, FloatArray] = {}
        for kind in RISK_KINDS:
            self._intercept[kind] = 0.0
            terms = self._terms(self._coast_drivers, kind, None)
            total = np.sum([v for v in terms.values()], axis=0)
            mean = float(np.sum(self._coast_len * np.exp(total)) / self._coast_len.sum())
            self._intercept[kind] = -math.log(mean)
            # Log-intensity without the season term: generation handles time exactly on its own grid.
            self._coast_log[kind] = total - terms["season"] + self._intercept[kind]

    # -- construction helpers

    def _build_coast(self, isl: gpd.GeoDataFrame, boundary: shapely.Geometry | None = None) -> None:
        """Sample every exterior ring (holes are lagoons, not sea coast) every ~coast_spacing_m metres."""
        parts, owner = shapely.get_parts(isl.geometry.array, return_index=True)
        rings = shapely.get_exterior_ring(parts)
        # Orient counter-clockwise so the outward (seaward) normal is to the right of travel.
        rings = np.where(shapely.is_ccw(rings), rings, shapely.reverse(rings))
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        seg = np.hypot(*np.diff(coords, axis=0).T)
        same = ring_of[1:] == ring_of[:-1]
        # One global chainage for all rings with a 1 m gap between rings, so np.interp never blends rings.
        step_len = np.where(same, seg, 1.0)
        chain = np.concatenate([[0.0], np.cumsum(step_len)])
        n_rings = len(rings)
        first = np.searchsorted(ring_of, np.arange(n_rings))
        last = np.append(first[1:], len(coords)) - 1
        ring_start = chain[first]
        ring_len = chain[last] - ring_start
        keep = ring_len > 0
        n_per = np.where(keep, np.maximum(1, np.ceil(ring_len / self.params.coast_spacing_m)), 0).astype(np.int64)
        ring_idx = np.repeat(np.arange(n_rings), n_per)
        k = np.arange(len(ring_idx)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
        step = ring_len[ring_idx] / n_per[ring_idx]
        pos = (k + 0.5) * step
        self._chain, self._coords = chain, coords
        self._ring_start, self._ring_len = ring_start, ring_len
        self._coast_ring = ring_idx
        self._coast_pos = pos
        self._coast_len = step
        self._coast_island = owner[ring_idx]
        self._coast_xy = self._ring_point(ring_idx, pos)
        h = np.minimum(250.0, ring_len[ring_idx] / 4)
        tangent = self._ring_point(ring_idx, pos + h) - self._ring_point(ring_idx, pos - h)
        norm = np.hypot(tangent[:, 0], tangent[:, 1])
        norm[norm == 0] = 1.0
        tangent = tangent / norm[:, None]
        self._coast_tangent = tangent
        self._coast_normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
        self._coast_bearing = np.degrees(np.arctan2(self._coast_normal[:, 0], self._coast_normal[:, 1])) % 360
        if boundary is not None:
            keep = shapely.distance(shapely.points(self._coast_xy), boundary) > LAND_BOUNDARY_TOLERANCE_M
            if not keep.any():
                raise GeoInputError("land_boundaries: every coast sample lies on a land boundary")
            for name in (
                "_coast_ring", "_coast_pos", "_coast_len", "_coast_island", "_coast_xy",
                "_coast_tangent", "_coast_normal", "_coast_bearing",
            ):  # fmt: skip
                setattr(self, name, getattr(self, name)[keep])
        self._coast_tree = shapely.STRtree(shapely.points(self._coast_xy))

    def _ring_point(self, ring_idx: IntArray, pos: FloatArray) -> FloatArray:
        length = self._ring_len[ring_idx]
        at = self._ring_start[ring_idx] + np.mod(pos, np.where(length > 0, length, 1.0))
        return np.column_stack(
            [np.interp(at, self._chain, self._coords[:, 0]), np.interp(at, self._chain, self._coords[:, 1])]
        )

    def _lane_geometry(self, kind: str) -> shapely.Geometry | None:
        lines = []
        for lane in self.params.lanes:
            if lane.kind != kind:
                continue
            pts = []
            for slug, lon, lat in lane.waypoints:
                if slug is not None and slug in self._harbour_xy:
                    pts.append(self._harbour_xy[slug])
                else:
                    pts.append(self._to_metric.transform(lon, lat))
            lines.append(shapely.LineString(pts))
        return shapely.MultiLineString(lines) if lines else None

    def _season_classes(self, kind: str, days: pd.DatetimeIndex, weight: FloatArray) -> FloatArray:
        """Per-day weight x yearly cycle, split into the three monsoon classes (west, east, neither).

        Returns an array of shape (3, n_days); the monsoon-shelter factor multiplies class 0 and 1 only,
        which is what makes exact joint sampling of place and day cheap.
        """
        w = self.params.weights(kind)
        cycle = np.exp(
            w.season_amplitude * np.cos(2 * math.pi * (days.day_of_year.to_numpy() - w.season_peak_doy) / 365.25)
        )
        base = weight * cycle
        months = days.month.to_numpy()
        west = np.isin(months, self.params.west_monsoon_months)
        east = np.isin(months, self.params.east_monsoon_months)
        return np.stack([base * west, base * east, base * ~(west | east)])

    # -- evaluation

    def _drivers(self, xy: FloatArray, nearest: IntArray) -> dict[str, FloatArray]:
        p = self.params
        pts = shapely.points(xy)
        if len(self._monitored_xy):
            d = np.hypot(
                xy[:, None, 0] - self._monitored_xy[None, :, 0], xy[:, None, 1] - self._monitored_xy[None, :, 1]
            )
            d_harbour = d.min(axis=1) / 1000
        else:
            d_harbour = np.full(len(xy), np.inf)
        d_ship = (
            shapely.distance(pts, self._shipping) / 1000 if self._shipping is not None else np.full(len(xy), np.inf)
        )
        d_ferry = shapely.distance(pts, self._ferry) / 1000 if self._ferry is not None else np.full(len(xy), np.inf)
        if self._uninhabited_tree is not None:
            idx, dist = self._uninhabited_tree.query_nearest(pts, return_distance=True, all_matches=False)
            d_uninh = np.full(len(xy), np.inf)
            d_uninh[idx[0]] = dist / 1000
        else:
            d_uninh = np.full(len(xy), np.inf)
        bearing = self._coast_bearing[nearest]
        return {
            "x_km": xy[:, 0] / 1000,
            "y_km": xy[:, 1] / 1000,
            "dist_monitored_harbour_km": d_harbour,
            "dist_shipping_lane_km": d_ship,
            "dist_ferry_link_km": d_ferry,
            "dist_uninhabited_km": d_uninh,
            "remoteness": 1 - np.exp(-d_harbour / p.harbour_scale_km),
            "shipping_exposure": np.exp(-d_ship / p.shipping_scale_km),
            "ferry_exposure": np.exp(-d_ferry / p.ferry_scale_km),
            "staging": np.exp(-d_uninh / p.staging_scale_km),
            "inhabited": self._island_inhabited[self._coast_island[nearest]].astype(np.float64),
            "bearing_deg": bearing,
            "shelter_west": -np.cos(np.radians(bearing - p.west_monsoon_from_deg)),
            "shelter_east": -np.cos(np.radians(bearing - p.east_monsoon_from_deg)),
        }

    def _terms(self, drv: Mapping[str, FloatArray], kind: str, when: pd.Timestamp | None) -> dict[str, FloatArray]:
        p = self.params
        w = p.weights(kind)
        n = len(drv["x_km"])
        xy = np.column_stack([drv["x_km"], drv["y_km"]])
        centres, amps = self._hotspots[kind]
        if len(amps):
            d2 = (xy[:, None, 0] - centres[None, :, 0] / 1000) ** 2 + (xy[:, None, 1] - centres[None, :, 1] / 1000) ** 2
            hot = (amps[None, :] * np.exp(-d2 / (2 * p.hotspot_bandwidth_km**2))).sum(axis=1)
        else:
            hot = np.zeros(n)
        omega, phase = self._noise[kind]
        if p.noise_sd > 0:
            noise = p.noise_sd * math.sqrt(2 / len(phase)) * np.cos(xy @ omega.T + phase).sum(axis=1)
        else:
            noise = np.zeros(n)
        sw, se = drv["shelter_west"], drv["shelter_east"]
        if when is None:
            classes = self._annual[kind].sum(axis=1)
            season = np.log(
                classes[0] * np.exp(w.monsoon_shelter * sw) + classes[1] * np.exp(w.monsoon_shelter * se) + classes[2]
            )
        else:
            cycle = w.season_amplitude * math.cos(2 * math.pi * (when.day_of_year - w.season_peak_doy) / 365.25)
            west = float(when.month in p.west_monsoon_months)
            east = float(when.month in p.east_monsoon_months)
            season = cycle + w.monsoon_shelter * (west * sw + east * se)
        return {
            "intercept": np.full(n, self._intercept[kind]),
            "remoteness": w.remoteness * drv["remoteness"],
            "shipping": w.shipping * drv["shipping_exposure"],
            "ferry": w.ferry * drv["ferry_exposure"],
            "staging": w.staging * drv["staging"],
            "inhabited": w.inhabited * drv["inhabited"],
            "season": season,
            "hotspots": hot,
            "noise": noise,
        }

    def _prepare(self, points: gpd.GeoSeries) -> dict[str, FloatArray]:
        if not isinstance(points, gpd.GeoSeries):
            raise TypeError(f"points: must be a GeoSeries, got {type(points).__name__}")
        if points.crs is None:
            raise GeoInputError("points: CRS is not set")
        geoms = points.to_crs(METRIC).array
        if len(geoms) and not bool((shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all()):
            raise GeoInputError("points: every geometry must be a non-empty Point")
        if len(geoms) and bool(shapely.is_empty(geoms).any()):
            raise GeoInputError("points: every geometry must be a non-empty Point")
        hits = self._coast_tree.query_nearest(geoms, all_matches=False)
        nearest = np.zeros(len(geoms), dtype=np.int64)
        nearest[hits[0]] = hits[1]
        return self._drivers(shapely.get_coordinates(geoms), nearest)

    @staticmethod
    def _when(when: datetime | None) -> pd.Timestamp | None:
        return None if when is None else _utc(when, "when")

    def features(self, points: gpd.GeoSeries) -> pd.DataFrame:
        """The observable drivers at ``points``: distances (km), the [0, 1] terms R, E_s, E_f, S, I, bearing.

        Orientation and ``inhabited`` are those of the nearest coastline sample. Index follows ``points``.
        """
        drv = self._prepare(points)
        return pd.DataFrame({k: v for k, v in drv.items() if k not in ("x_km", "y_km")}, index=points.index)

    def components(self, points: gpd.GeoSeries, *, kind: str, when: datetime | None = None) -> pd.DataFrame:
        """Log-scale contribution of every term at ``points``; ``exp`` of a row's sum is the intensity.

        Columns: intercept, remoteness, shipping, ferry, staging, inhabited, season, hotspots, noise.
        """
        _check_kind(kind)
        ts = self._when(when)
        return pd.DataFrame(self._terms(self._prepare(points), kind, ts), index=points.index)

    def intensity(self, points: gpd.GeoSeries, *, kind: str, when: datetime | None = None) -> FloatArray:
        """Relative intensity of risk ``kind`` at ``points`` (any CRS), at ``when`` or as an annual mean.

        1 is the coastline's average annual-mean intensity (see the module docstring for the formula and
        units). Points should be near the coast: orientation and island come from the nearest coastline.
        """
        _check_kind(kind)
        ts = self._when(when)
        terms = self._terms(self._prepare(points), kind, ts)
        return np.asarray(np.exp(np.sum(list(terms.values()), axis=0)), dtype=np.float64).reshape(len(points))

    @property
    def coast(self) -> gpd.GeoDataFrame:
        """The coastline samples events are placed on (EPSG:4326 points, one per ~coast_spacing_m).

        Columns: island_code, inhabited, length_m (the stretch each sample stands for), bearing_deg (seaward,
        clockwise from north), intensity_landing and intensity_tppo (annual mean).
        """
        frame = gpd.GeoDataFrame(
            {
                "island_code": self._island_codes[self._coast_island],
                "inhabited": self._island_inhabited[self._coast_island],
                "length_m": self._coast_len,
                "bearing_deg": self._coast_bearing,
            },
            geometry=shapely.points(self._coast_xy),
            crs=METRIC,
        )
        for kind in RISK_KINDS:
            terms = self._terms(self._coast_drivers, kind, None)
            frame[f"intensity_{kind}"] = np.exp(np.sum(list(terms.values()), axis=0))
        return frame.to_crs(WGS84)

    # -- sampling

    def _sample(
        self, rng: np.random.Generator, kind: str, n: int, days: pd.DatetimeIndex, dur: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Draw ``n`` (coast sample, day) pairs from lambda_k(x, t) x length x day duration, exactly."""
        w = self.params.weights(kind)
        classes = self._season_classes(kind, days, dur)
        totals = classes.sum(axis=1)
        drv = self._coast_drivers
        mix = np.stack(
            [
                totals[0] * np.exp(w.monsoon_shelter * drv["shelter_west"]),
                totals[1] * np.exp(w.monsoon_shelter * drv["shelter_east"]),
                np.full(len(self._coast_len), totals[2]),
            ]
        )
        weight = self._coast_len * np.exp(self._coast_log[kind]) * mix.sum(axis=0)
        where = rng.choice(len(weight), size=n, p=weight / weight.sum())
        cls_p = mix[:, where] / mix[:, where].sum(axis=0)
        u = rng.random(n)
        cls = np.minimum((u[None, :] > np.cumsum(cls_p, axis=0)).sum(axis=0), 2)  # 2 guards float round-off
        day = np.empty(n, dtype=np.int64)
        for c in range(3):
            sel = cls == c
            if sel.any():
                cum = np.cumsum(classes[c])
                day[sel] = np.searchsorted(cum, rng.random(int(sel.sum())) * cum[-1], side="right")
        return where.astype(np.int64), np.minimum(day, len(days) - 1)

    def _place(self, rng: np.random.Generator, where: IntArray, precision: FloatArray) -> FloatArray:
        """A point on the shore stretch of each sample, jittered by its precision, mostly seaward."""
        along = self._coast_pos[where] + rng.uniform(-0.5, 0.5, len(where)) * self._coast_len[where]
        shore = self._ring_point(self._coast_ring[where], along)
        # Seaward-biased offset whose length never exceeds the precision: sqrt(0.9^2 + 0.4^2) < 1.
        off_n = rng.uniform(-0.3, 0.9, len(where)) * precision
        off_t = np.clip(rng.normal(0.0, 0.25, len(where)), -0.4, 0.4) * precision
        return shore + off_n[:, None] * self._coast_normal[where] + off_t[:, None] * self._coast_tangent[where]
