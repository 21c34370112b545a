"""Every setting the assistant reads from the environment, in one place.

Read lazily through :func:`get_settings` so that importing a module never touches the
environment or the disk; tests override values with ``monkeypatch.setenv`` and
``get_settings.cache_clear()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str
    seed_catalog: Path
    national_catalog: Path
    rasa_url: str
    action_server_url: str
    web_host: str
    web_port: int
    rasa_port: int
    rasa_host: str
    action_port: int
    catalog_refresh_seconds: float
    hotline: str
    verification_rule: str
    verification_digits: int
    verification_max_failures: int
    verification_window_seconds: int
    log_level: str
    zalo_app_id: str
    zalo_oa_secret_key: str
    zalo_app_secret: str
    zalo_access_token: str
    zalo_refresh_token: str
    zalo_api_base: str
    zalo_oauth_base: str
    facebook_verify_token: str
    facebook_app_secret: str
    facebook_page_access_token: str
    facebook_graph_base: str
    faq_refresh_seconds: float
    models_dir: Path
    model_gate_margin: float
    rasa_api_token: str
    admin_session_hours: float
    admin_cookie_secure: bool
    login_max_failures: int
    login_window_seconds: int
    sender_hash_secret: str
    verification_max_failures_per_address: int
    trusted_proxies: str
    outbox_max_attempts: int
    outbox_retry_base_seconds: float
    outbox_retry_max_seconds: float
    outbox_poll_seconds: float
    zalo_replay_window: int
    action_host: str
    action_timeout: float
    rasa_cors_origins: tuple
    portal_allowed_origins: tuple
    handoff_hours: str
    handoff_wait_minutes: float
    petition_province: str
    petitions_config: Path | None
    petition_duplicate_days: int
    metrics_token: str
    metrics_port_rasa: int
    metrics_port_actions: int
    tracker_store_url: str
    conversation_retention_days: int
    stats_rollup_seconds: float
    rasa_replica_urls: tuple
    model_sync_seconds: float


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"
    rasa_port = int(_env("RASA_PORT", "5005"))
    action_port = int(_env("ACTION_PORT", "5055"))
    return Settings(
        database_url=_env("DATABASE_URL", default_db),
        seed_catalog=Path(
            _env("SEED_CATALOG", str(PROJECT_ROOT / "data" / "catalog" / "seed.yml"))
        ),
        national_catalog=Path(
            _env(
                "NATIONAL_CATALOG",
                str(PROJECT_ROOT.parent / "shared" / "data" / "dichvucong" / "procedures.jsonl.gz"),
            )
        ),
        rasa_url=_env("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        action_server_url=_env("ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook"),
        web_host=_env("WEB_HOST", "127.0.0.1"),
        web_port=int(_env("WEB_PORT", "8080")),
        rasa_port=rasa_port,
        # Loopback by default: a reverse proxy in front publishes what should be public.
        rasa_host=_env("RASA_HOST", "127.0.0.1"),
        action_port=action_port,
        # How often a long-running process checks whether the catalog changed (imports,
        # staff edits) and rebuilds its in-memory search index and phrase matcher.
        catalog_refresh_seconds=float(_env("CATALOG_REFRESH_SECONDS", "2")),
        # The public hotline shown when a citizen asks for a person; empty = refer to the
        # number printed on the receipt (we never invent a phone number).
        hotline=_env("ASSISTANT_HOTLINE", ""),
        log_level=_env("LOG_LEVEL", "INFO"),
        # Dossier owners prove it with the last digits of the phone (or ID number) they gave.
        verification_rule=_env("VERIFICATION_RULE", "phone"),
        verification_digits=int(_env("VERIFICATION_DIGITS", "4")),
        # Failed checks per sender and per code within the window before a lock.
        verification_max_failures=int(_env("VERIFICATION_MAX_FAILURES", "5")),
        verification_window_seconds=int(_env("VERIFICATION_WINDOW_SECONDS", "3600")),
        # Zalo Official Account (assistant/channels/zalo.py). The OA secret key signs webhooks
        # (empty = every POST is refused), the app secret authorises token refreshes. The two
        # tokens only seed the first run: once a refresh has stored a pair in the database,
        # the database wins (Zalo refresh tokens are single-use). Bases are overridden by the
        # tests' fake server.
        zalo_app_id=_env("ZALO_APP_ID", ""),
        zalo_oa_secret_key=_env("ZALO_OA_SECRET_KEY", ""),
        zalo_app_secret=_env("ZALO_APP_SECRET", ""),
        zalo_access_token=_env("ZALO_ACCESS_TOKEN", ""),
        zalo_refresh_token=_env("ZALO_REFRESH_TOKEN", ""),
        zalo_api_base=_env("ZALO_API_BASE", "https://openapi.zalo.me"),
        zalo_oauth_base=_env("ZALO_OAUTH_BASE", "https://oauth.zaloapp.com"),
        # Messenger channel (assistant/channels/facebook.py); empty = the channel refuses
        # the webhook handshake and every POST. The Graph base is overridden by tests' fake.
        facebook_verify_token=_env("FACEBOOK_VERIFY_TOKEN", ""),
        facebook_app_secret=_env("FACEBOOK_APP_SECRET", ""),
        facebook_page_access_token=_env("FACEBOOK_PAGE_ACCESS_TOKEN", ""),
        facebook_graph_base=_env("FACEBOOK_GRAPH_BASE", "https://graph.facebook.com/v19.0"),
        # Staff app (issue #6). How often the NLU's FAQ retrieval checks for staff edits.
        faq_refresh_seconds=float(_env("FAQ_REFRESH_SECONDS", "2")),
        # Where retrained models go, and how much a candidate may score below the live model
        # on the held-out split before the gate rejects it.
        models_dir=Path(_env("MODELS_DIR", str(PROJECT_ROOT / "models"))),
        model_gate_margin=float(_env("MODEL_GATE_MARGIN", "0.02")),
        # Token for Rasa's HTTP API (model switch without restart); `assistant run` makes one
        # up when it is empty and gives it to Rasa and the staff app.
        rasa_api_token=_env("RASA_API_TOKEN", ""),
        admin_session_hours=float(_env("ADMIN_SESSION_HOURS", "8")),
        # Set to 1 behind HTTPS so that the session cookie is never sent in clear.
        admin_cookie_secure=_env("ADMIN_COOKIE_SECURE", "0") == "1",
        # Failed logins per account and per address within the window before a pause.
        login_max_failures=int(_env("LOGIN_MAX_FAILURES", "5")),
        login_window_seconds=int(_env("LOGIN_WINDOW_SECONDS", "900")),
        # Key of the HMAC that stands in for sender ids (assistant/sender_hash.py); empty =
        # a random key kept in var/sender_hash.key. Set it when several hosts share a database.
        sender_hash_secret=_env("SENDER_HASH_SECRET", ""),
        # Failed dossier checks per client address (web only) within the verification
        # window: REST senders are chosen by the client, so rotating them must not help.
        verification_max_failures_per_address=int(
            _env("VERIFICATION_MAX_FAILURES_PER_ADDRESS", "20")
        ),
        # Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.
        trusted_proxies=_env("TRUSTED_PROXIES", ""),
        # Zalo and Messenger replies wait in the reply_outbox table until sent: tried at once,
        # then after base, 2×base, 4×base… seconds (at most max), and after the last attempt
        # shown to staff as "Tin nhắn gửi lỗi". Poll: how often other processes' rows and staff
        # retries are looked for.
        outbox_max_attempts=max(1, int(_env("OUTBOX_MAX_ATTEMPTS", "8"))),
        outbox_retry_base_seconds=float(_env("OUTBOX_RETRY_BASE_SECONDS", "10")),
        outbox_retry_max_seconds=float(_env("OUTBOX_RETRY_MAX_SECONDS", "1800")),
        outbox_poll_seconds=float(_env("OUTBOX_POLL_SECONDS", "5")),
        # A signed Zalo event whose timestamp is further than this from now is refused.
        zalo_replay_window=int(_env("ZALO_REPLAY_WINDOW", "300")),
        # The action server has no authentication: loopback unless it must sit elsewhere.
        action_host=_env("ACTION_HOST", "127.0.0.1"),
        # Seconds Rasa waits for one action call before the citizen gets an apology.
        action_timeout=float(_env("ACTION_TIMEOUT", "5")),
        # Origins allowed to call Rasa from a browser (empty: no CORS at all; the portal
        # forwards /api/chat to Rasa server-side), and pages of other origins that may embed
        # the portal's widget (empty: the portal's own pages only).
        rasa_cors_origins=_origins(_env("RASA_CORS_ORIGINS", "")),
        portal_allowed_origins=_origins(_env("PORTAL_ALLOWED_ORIGINS", "")),
        # When staff answer citizens (local time; the holidays are edited in the staff app).
        # Format: "T2-T6 07:30-11:30,13:30-17:00; T7 07:30-11:30" (assistant/handoff/hours.py).
        handoff_hours=_env("HANDOFF_HOURS", "T2-T6 07:30-11:30,13:30-17:00; T7 07:30-11:30"),
        # Minutes a citizen waits in the live queue before being offered to leave a message.
        handoff_wait_minutes=float(_env("HANDOFF_WAIT_MINUTES", "5")),
        # The province (or centrally-run city) whose communes and wards citizens name in a
        # petition: its code in the 2025 list (assistant/petitions/communes.py). 92 = Thành phố
        # Cần Thơ.
        petition_province=_env("PETITION_PROVINCE", "92"),
        # Citizens' petitions (phản ánh, kiến nghị): a YAML file whose `categories` and/or
        # `units` replace those of assistant/petitions/defaults.yml (empty: the defaults).
        petitions_config=_optional_path(_env("PETITIONS_CONFIG", "")),
        # How far back an open petition of the same category and commune counts as a possible
        # duplicate of a new one.
        petition_duplicate_days=int(_env("PETITION_DUPLICATE_DAYS", "14")),
        # Prometheus metrics (assistant/metrics). The portal's /metrics answers loopback
        # callers; with a token also others that send ``Authorization: Bearer <token>``.
        metrics_token=_env("METRICS_TOKEN", ""),
        # Loopback ports where the Rasa process and the action server serve their own
        # /metrics (0: not served).
        metrics_port_rasa=int(_env("METRICS_PORT_RASA", "9105")),
        metrics_port_actions=int(_env("METRICS_PORT_ACTIONS", "9106")),
        # Rasa's conversations (the SQL tracker store), which the statistics are rolled up
        # from. `assistant run` gives Rasa this SQLite file unless TRACKER_STORE_URL is set;
        # Rasa started some other way without it keeps conversations in memory.
        tracker_store_url=_env(
            "TRACKER_STORE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
        ),
        # Raw conversation events older than this are deleted once rolled up (0 = kept);
        # the daily statistics stay.
        conversation_retention_days=int(_env("CONVERSATION_RETENTION_DAYS", "180")),
        # How often the portal rolls new tracker events up into the daily statistics.
        stats_rollup_seconds=float(_env("STATS_ROLLUP_SECONDS", "300")),
        # Every Rasa replica's own address (comma-separated), when several serve behind a
        # load balancer: a model switch must reach each of them, not the one RASA_URL's
        # balancer picks. Empty: RASA_URL is the only one.
        rasa_replica_urls=_urls(_env("RASA_REPLICA_URLS", "")),
        # With RASA_REPLICA_URLS, how often the portal checks that every replica serves the
        # live model and switches one that does not (it was down or busy during a switch).
        model_sync_seconds=float(_env("MODEL_SYNC_SECONDS", "30")),
    )


def _optional_path(value: str) -> Path | None:
    return Path(value) if value else None


def _urls(value: str) -> tuple:
    return tuple(u.strip().rstrip("/") for u in value.split(",") if u.strip())


def _origins(value: str) -> tuple:
    """A comma-separated list of origins (``https://host[:port]``), without trailing slashes."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
