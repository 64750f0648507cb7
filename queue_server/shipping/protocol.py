"""The branch → city protocol, in one place for both ends: paths, limits, how long a branch stays live.

Every limit a client can hit is here and in docs/city.md ("The shipping protocol").
"""

from __future__ import annotations

# Endpoints of the city server (each needs `Authorization: Bearer <branch token>`).
POSITION_PATH = "/api/city/position"  # GET: what the city holds of this branch
INGEST_PATH = "/api/city/events"  # POST: a batch of events; answers the highest contiguous seq held
HALL_PATH = "/api/city/hall"  # PUT: the branch's hall definition (services, desks, policy), without operators
SUMMARY_PATH = "/api/city/summary"  # PUT: the branch's live summary, every few seconds
LIVE_PATH = "/api/city/live"  # GET (a city staff token): every branch's latest summary, or "no data"

# A batch: at most this many events and this many bytes of JSON body. The shipper stays under both; the city
# refuses a larger batch (413) rather than hold it.
MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 1024 * 1024
MAX_HALL_BYTES = 512 * 1024
# A summary names its centre and its services for the city's public page, each text cut to MAX_PUBLIC_TEXT
# characters: 500 services with such names in both languages (up to 1.2 KB of UTF-8) and their figures, and 50
# alerts with texts of 300 characters, are under 1 MB at the very most (tests/test_city_live.py builds the largest
# and sends it). The demo hall's summary (67 services) is about 21 KB.
MAX_SUMMARY_BYTES = 1024 * 1024
MAX_PUBLIC_TEXT = 300
MAX_SUMMARY_SERVICES = 500  # services in one summary
MAX_SUMMARY_ALERTS = 50  # alerts in one summary (a branch sends its first 50)
MAX_ALERT_TEXT = 300  # characters of one alert parameter (a kiosk's name, a path): a branch clips longer ones

# A branch whose summary is older than this shows as "no data" at the city (never as stale figures).
STALE_SECONDS = 120

# Configuration from the city (docs/city.md, "Configuration from the city").
CONFIG_PATH = "/api/city/config"  # GET (a branch token): the version for this branch; POST (staff): publish one
CONFIG_VERSIONS_PATH = "/api/city/config/versions"  # GET (staff): the versions, and which branch runs which
MAX_CATALOGUE_BYTES = 256 * 1024  # the body of a publication
MAX_CATALOGUE_CATEGORIES = 100
MAX_CATALOGUE_SERVICES = 500
MAX_CATALOGUE_BUNDLES = 200
MAX_CATALOGUE_PRIORITIES = 50
MAX_TARGET_BRANCHES = 500  # branches named in one publication (none named: every branch)
MAX_NOTE_CHARS = 500
VERSIONS_LISTED = 100  # the newest versions GET .../versions lists
