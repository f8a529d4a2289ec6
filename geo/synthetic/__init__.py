"""Seeded synthetic incidents and landing reports drawn from a known "true" risk surface.

Pesisir's demos and tests need data whose ground truth is known: the risk model is judged by how
well its segment scores recover the surface that generated the events. This module defines that surface,
:class:`TrueRiskSurface`, and :func:`generate`, which draws incidents and harbourmasters' landing reports from
it. Every row is flagged ``synthetic=True``; the same seed always gives identical frames, UUIDs included.

The true surface
----------------
For a risk kind ``k`` (``landing`` or ``tppo``), a point ``x`` near the coast and a time ``t``, the surface is
a log-linear intensity

.. math::

    \\log \\lambda_k(x, t) = c_k + \\beta^{rem}_k R(x) + \\beta^{ship}_k E_s(x) + \\beta^{ferry}_k E_f(x)
        + \\beta^{stage}_k S(x) + \\beta^{inh}_k I(x) + H_k(x) + \\varepsilon_k(x) + M_k(x, t)

with these terms (all distances in the metric CRS ``geo.crs.METRIC``):

``R(x) = 1 - exp(-d_harbour / harbour_scale_km)``
    Remoteness from surveillance: ``d_harbour`` is the distance to the nearest harbour with
    ``monitored=True``; 0 at a monitored harbour, towards 1 far away (1 everywhere if none is monitored).
``E_s(x) = exp(-d_shipping / shipping_scale_km)``
    Exposure to the shipping lanes (:data:`LANES` of kind ``shipping``): 1 on a lane, decaying offshore.
``E_f(x) = exp(-d_ferry / ferry_scale_km)``
    Exposure to the ferry links (:data:`LANES` of kind ``ferry``), the routes migrants travel along.
``S(x) = exp(-d_uninhabited / staging_scale_km)``
    Staging: ``d_uninhabited`` is the distance to the nearest uninhabited island (0 on its own coast).
``I(x)``
    1 if the nearest coast belongs to an inhabited island, else 0.
``H_k(x) = sum_j a_j exp(-|x - h_j|^2 / (2 hotspot_bandwidth_km^2))``
    ``n_hotspots`` hidden hot spots per kind, centred on coastline points drawn uniformly by length, with
    amplitudes ``a_j = hotspot_amplitude * U(0.5, 1.5)``. No observable factor explains them; a model can
    only learn them from the clustering of past events.
``eps_k(x)``
    A smooth Gaussian random field (random Fourier features: ``n_noise_features`` cosines with wave vectors
    drawn from N(0, 1/noise_length_km^2)), standard deviation ``noise_sd``: unexplainable by design, so that
    no model recovers the surface exactly.
``M_k(x, t) = A_k cos(2 pi (doy(t) - peak_k) / 365.25) + B_k [w_W(t) s_W(x) + w_E(t) s_E(x)]``
    Season. The first part is the regency-wide yearly cycle (amplitude ``season_amplitude``, peak on day of
    year ``season_peak_doy``: small boats cross most in the calm east monsoon). The second is the monsoon
    interacting with the coast's orientation: ``w_W(t)`` is 1 in the west monsoon months (Dec-Mar) and 0
    otherwise, ``w_E(t)`` likewise for the east monsoon (Jun-Sep); ``s_W(x) = -cos(b(x) - west_from)`` is +1
    on a coast whose seaward bearing ``b(x)`` points away from where the west monsoon blows from (sheltered,
    lee shore: boats land there) and -1 on a coast facing into it (exposed); ``s_E`` likewise. ``B_k`` is
    ``monsoon_shelter``. Bearings are taken from the nearest coastline point, smoothed over +-250 m.
``c_k``
    Normalising intercept: the length-weighted mean over the whole coastline of the annual-mean intensity is
    exactly 1.

**Units.** The intensity is *relative*: 1 is the average coastline; 3 means three times as many events per
km of coast per year as the average. With ``N`` events over ``Y`` years on ``L`` km of coast the absolute rate
is ``lambda * N / (L * Y)`` events per km per year. ``intensity(..., when=None)`` gives the annual mean
(``M_k`` averaged over a non-leap year).

Default coefficients (:class:`KindWeights`; remoteness, shipping, ferry, staging, inhabited, season amplitude,
peak day, monsoon shelter):

=========  ====  ====  =====  =====  =====  ====  ====  ====
kind       rem   ship  ferry  stage  inh    A     peak  B
=========  ====  ====  =====  =====  =====  ====  ====  ====
landing    2.0   1.0   0.3    1.2    -1.2   0.35  213   0.6
tppo       2.0   0.3   2.5    0.3    1.5    0.25  182   0.4
=========  ====  ====  =====  =====  =====  ====  ====  ====

Landings favour remote, uninhabited coasts near shipping lanes; trafficking and non-procedural departures
favour remote *inhabited* coasts (people leave from where they live) near the ferry links. Shared defaults
(:class:`SurfaceParams`): ``harbour_scale_km=20``, ``shipping_scale_km=25``, ``ferry_scale_km=4``,
``staging_scale_km=3``, ``n_hotspots=4``, ``hotspot_amplitude=0.5``, ``hotspot_bandwidth_km=3``,
``noise_sd=0.15``, ``noise_length_km=12``, ``n_noise_features=128``, west monsoon from 290 deg (WNW) in
Dec-Mar, east monsoon from 110 deg (ESE) in Jun-Sep, coastline sampled every ``coast_spacing_m=200`` m.

Lanes (:data:`LANES`) are schematic straight lines, good enough for a synthetic world, not for navigation:
the Java Sea trunk lane on the direct track from Surabaya's western channel towards Makassar (truncated at
116.5 E), the Madura Strait - Bali Sea lane south of the islands, and the ferry links Kalianget-Kangean-Sapeken,
Kalianget-Masalembu-Keramaian and Kalianget-Sapudi (Gayam)-Raas. A ferry waypoint names a harbour slug and
takes that harbour's point from the ``harbours`` frame when present, else its coordinates in :data:`LANES`.

Events
------
The coastline is every island polygon's exterior ring (holes are lagoons, not sea coast), sampled every
``coast_spacing_m``. Outline edges that are not shores are taken for coast too unless ``land_boundaries`` is
given: in ``data/sumenep_islands.geojson`` Madura (Sumenep)'s west side is the cut along the Pamekasan
boundary, ~40 km of "coast" with below-average intensity that receives ~2 % of events. With
``land_boundaries=`` (a line layer such as ``data/land_boundaries.geojson``) coast samples within
:data:`LAND_BOUNDARY_TOLERANCE_M` of those lines are dropped, as ``geo.segmentation`` drops them.

Incident kinds map to risk kinds through :data:`RISK_KIND_OF`: ``tppo``, ``people_smuggling`` and
``pmi_nonprocedural`` -> ``tppo``; ``illegal_landing``, ``drug_smuggling``, ``foreign_vessel``,
``illegal_fishing`` and ``other`` -> ``landing``. Each incident's place and day are drawn jointly from its risk
kind's ``lambda_k(x, t) * coastline length`` (exactly, on the coastline samples and UTC days); the position is
then moved uniformly along its 200 m stretch of shore, and jittered by its ``precision_m`` (50 m GPS to
2,000 m "near village X") mostly seaward: the recorded point is always within ``precision_m`` of the coast,
sometimes a little inland. The hour follows a diurnal profile in WIB (mostly at night); the reported window is
exact (start = end), some hours or some days wide.

Landings are mostly routine reports at harbours (harbour chosen by its kind; daytime; vessel details
plausible for the vessel type). A share :data:`OFF_HARBOUR_SHARE` happens off-harbour (``harbour_slug`` None,
flag ``off_harbour``): arrivals placed by the ``landing`` surface, departures by the ``tppo`` surface. A share
:data:`SUSPICIOUS_AT_HARBOUR_SHARE` of harbour reports carry suspicion flags, their harbour chosen in
proportion to the ``landing`` surface there, so suspicious reports nearby are an informative factor.

The seed feeds independent random streams (``numpy.random.default_rng([seed, stream])``): the surface does
not change when ``n_incidents`` or ``n_landings`` does, and incidents do not change with ``n_landings``.

Modules
-------
``params`` (lanes, coefficients, surface parameters, shared constants), ``surface`` (the true surface),
``events`` (incident sampling and the columns), ``landings`` (landing reports), ``demo`` (:func:`generate`),
``routes`` (:func:`routes_world`), ``worlds`` (:func:`generate_world`: the layered, null, hotspots, biased and
routes worlds with their known truth). Everything public is re-exported here: ``from geo.synthetic import X``.
"""

from geo.synthetic.demo import SyntheticData, generate
from geo.synthetic.events import INCIDENT_COLUMNS, LANDING_COLUMNS
from geo.synthetic.params import (
    DEFAULT_END,
    DEFAULT_START,
    INCIDENT_KIND_SHARES,
    LAND_BOUNDARY_TOLERANCE_M,
    LANES,
    OFF_HARBOUR_SHARE,
    RISK_KIND_OF,
    SUSPICIOUS_AT_HARBOUR_SHARE,
    SYNTHETIC_NAMESPACE,
    FloatArray,
    IntArray,
    KindWeights,
    Lane,
    SurfaceParams,
)
from geo.synthetic.routes import WORLD_SPEED_KN, RoutesWorld, RoutesWorldParams, routes_world
from geo.synthetic.surface import TrueRiskSurface
from geo.synthetic.worlds import KIND_SHARE, WORLDS, World, WorldParams, detection_probability, generate_world

__all__ = [
    "DEFAULT_END",
    "DEFAULT_START",
    "INCIDENT_COLUMNS",
    "INCIDENT_KIND_SHARES",
    "KIND_SHARE",
    "LANDING_COLUMNS",
    "LAND_BOUNDARY_TOLERANCE_M",
    "LANES",
    "OFF_HARBOUR_SHARE",
    "RISK_KIND_OF",
    "SUSPICIOUS_AT_HARBOUR_SHARE",
    "SYNTHETIC_NAMESPACE",
    "WORLDS",
    "WORLD_SPEED_KN",
    "FloatArray",
    "IntArray",
    "KindWeights",
    "Lane",
    "RoutesWorld",
    "RoutesWorldParams",
    "SurfaceParams",
    "SyntheticData",
    "TrueRiskSurface",
    "World",
    "WorldParams",
    "detection_probability",
    "generate",
    "generate_world",
    "routes_world",
]
