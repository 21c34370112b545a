"""nginx's configuration for the cluster, rendered from the plan's ports as text.

Three upstreams: the Rasa replicas, the action servers, the portal. Each server line has
passive health checks (``max_fails``/``fail_timeout``: after a failed connection the server
is left out for ``fail_timeout`` seconds, then tried again with one request); open-source
nginx has no active health checks (``health_check`` is NGINX Plus only). A request whose
connection fails or times out goes to the next server (``proxy_next_upstream error
timeout``). A POST that has already reached a server that then dies is not repeated (nginx
retries non-idempotent requests only before sending them: sending a turn twice could
answer it twice), so a replica killed in the middle of a turn fails that one request; a
dead one costs nothing.

A failed turn of a citizen in the portal's chat is not a bare 502: for the REST channel
(``/webhooks/rest/``) and the portal's ``/api/chat``, nginx answers a 502, 503 or 504 of its
own or of the upstream with 200 and the REST channel's apology (``@apology``: the same JSON a
replica sends when a turn fails, from ``assistant.channels.rest.APOLOGY``), so the chat
shows "Xin lỗi Anh/Chị …" and the citizen sends the message again. Zalo's and Messenger's
webhooks (the rest of ``/webhooks/``) keep their 5xx on purpose: the platform, not the
citizen, reads that answer; a 200 would tell it the message was handled and it would drop
it, while a 5xx makes it deliver the message again, and the channels' de-duplication absorbs
a message that was handled after all.

Every request carries ``X-Forwarded-For``: the portal and Rasa's REST channel read the
citizen's address from it (TRUSTED_PROXIES), and the portal's ``/metrics`` treats any request
with it as remote, so nobody becomes "local" by coming through nginx.

``render_site`` is what goes inside ``http {}`` (deploy/nginx/assistant.conf is it, for the
default ports); ``render_main`` wraps it into the whole file the cluster runs nginx with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from assistant.channels.rest import APOLOGY
from assistant.cluster.plan import LOOPBACK, Layout, Ports

MAX_FAILS = 1  # one refused connection is enough: a replica down is down
FAIL_TIMEOUT = 10  # seconds a failed server is left out before one request tries it again
CONNECT_TIMEOUT = 2  # seconds; loopback connects in microseconds, a longer wait is a hang
# A replica answers connects late when it is busy, not when it is dead (a dead one refuses at
# once): its event loop runs the models and Sanic's accept queue (100) fills. With 2 s, 200
# citizens at once (benchmarks/load.py) had both replicas' connects time out, both marked
# failed for FAIL_TIMEOUT, and every turn for 10 s answered with the apology.
CONNECT_TIMEOUT_RASA = 10
BODY_LIMIT = "8m"  # the portal takes requests up to 6 MB (FAQ spreadsheets, photos)
# Rasa sends the action server the whole conversation: kept in memory, not a temporary file.
BODY_BUFFER = "1m"
# Rasa answers a REST turn within REPLY_TIMEOUT (20 s); loading a model through its HTTP API
# (the staff app's switch) takes up to training/rasa_api.LOAD_TIMEOUT (300 s).
READ_TIMEOUT_WEBHOOKS = 60
READ_TIMEOUT_RASA_API = 300
# The staff app's switch loads the model into each replica in turn (a few tens of seconds each).
READ_TIMEOUT_MODEL_SWITCH = 900
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

# The query string is not logged: Messenger's handshake carries the verify token in it.
LOG_FORMAT = (
    'log_format assistant \'$remote_addr [$time_local] "$request_method $uri" $status '
    "$body_bytes_sent $request_time upstream=$upstream_addr $upstream_status';"
)


def upstream(name: str, ports: Iterable[int]) -> str:
    servers = "".join(
        f"    server {LOOPBACK}:{port} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT}s;\n"
        for port in ports
    )
    return f"upstream {name} {{\n{servers}}}\n"


def quoted(text: str) -> str:
    """``text`` as one single-quoted nginx string (``return``'s body interpolates ``$``)."""
    if "$" in text:
        raise ValueError("nginx would read $ in a returned text as a variable")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


APOLOGY_BODY = json.dumps([{"text": APOLOGY}], ensure_ascii=False)


def apology() -> str:
    """The named location answering the REST channel's apology with 200."""
    return (
        "    location @apology {\n"
        "        default_type application/json;\n"
        f"        return 200 {quoted(APOLOGY_BODY)};\n"
        "    }\n"
    )


def connect_timeout(upstream_name: str) -> int:
    return CONNECT_TIMEOUT_RASA if upstream_name == "assistant_rasa" else CONNECT_TIMEOUT


def proxy(upstream_name: str, read_timeout: int | None = None, apologize: bool = False) -> str:
    """The body of a location that proxies to ``upstream_name`` with retries; with
    ``apologize`` a 502, 503 or 504 becomes the apology (see above)."""
    lines = [
        f"proxy_pass http://{upstream_name};",
        "proxy_http_version 1.1;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_next_upstream error timeout;",
        f"proxy_connect_timeout {connect_timeout(upstream_name)}s;",
    ]
    if read_timeout:
        lines.append(f"proxy_read_timeout {read_timeout}s;")
    if apologize:
        lines += ["proxy_intercept_errors on;", "error_page 502 503 504 = @apology;"]
    return "".join(f"        {line}\n" for line in lines)


def render_site(ports: Ports, listen: str | None = None, server_name: str = "_") -> str:
    """Upstreams and servers (the inside of ``http {}``). ``listen`` is the front's address,
    loopback and CLUSTER_PORT unless given (the production template says 80)."""
    front = listen or f"{LOOPBACK}:{ports.front}"
    return (
        upstream("assistant_rasa", ports.rasa)
        + upstream("assistant_actions", ports.actions)
        + upstream("assistant_portal", [ports.web])
        + f"""
# The one address to publish: Rasa's channels to the replicas, the rest to the portal.
server {{
    listen {front};
    server_name {server_name};
    client_max_body_size {BODY_LIMIT};
    client_body_buffer_size {BODY_BUFFER};

    # Rasa's channels (rest, zalo, facebook); nothing else of Rasa's HTTP API. Zalo and
    # Messenger get a 5xx when a turn fails (they deliver again), the portal's chat an apology.
    location /webhooks/ {{
{proxy("assistant_rasa", READ_TIMEOUT_WEBHOOKS)}    }}
    location /webhooks/rest/ {{
{proxy("assistant_rasa", READ_TIMEOUT_WEBHOOKS, apologize=True)}    }}
    # The staff app's model switch is for the portal on this host, replica by replica.
    location /webhooks/model_switch/ {{
        return 404;
    }}

    # /admin, /open311, /static, / … (the portal's server-sent events set
    # X-Accel-Buffering: no themselves).
    location / {{
{proxy("assistant_portal")}    }}
    # The staff app's model switch waits for every replica to load the model. (No slash at
    # the end: nginx would redirect /admin/models to /admin/models/.)
    location /admin/models {{
{proxy("assistant_portal", READ_TIMEOUT_MODEL_SWITCH)}    }}
    location = /api/chat {{
{proxy("assistant_portal", READ_TIMEOUT_WEBHOOKS, apologize=True)}    }}
{apology()}}}

# Loopback only: the portal's RASA_URL (chat forwarding, live desk, model switch).
server {{
    listen {LOOPBACK}:{ports.rasa_upstream};
    client_max_body_size {BODY_LIMIT};
    client_body_buffer_size {BODY_BUFFER};
    location / {{
{proxy("assistant_rasa", READ_TIMEOUT_RASA_API)}    }}
}}

# Loopback only: the replicas' action endpoint (ACTION_SERVER_URL).
server {{
    listen {LOOPBACK}:{ports.actions_upstream};
    client_max_body_size {BODY_LIMIT};
    client_body_buffer_size {BODY_BUFFER};
    location / {{
{proxy("assistant_actions", READ_TIMEOUT_WEBHOOKS)}    }}
}}
"""
    )


def render_main(ports: Ports, layout: Layout, user: str | None = None) -> str:
    """The whole nginx.conf of `assistant cluster run`: in the foreground (the supervisor
    restarts it), every file under ``layout.nginx`` and ``layout.logs``. ``user`` is whom
    the workers run as when nginx is started as root."""
    base: Path = layout.nginx
    temp = "".join(f"    {kind}_temp_path {base / 'temp' / kind};\n" for kind in TEMP_DIRS)
    site = "".join(f"    {line}\n" if line else "\n" for line in render_site(ports).splitlines())
    return (
        "# Rendered by assistant/cluster/nginx.py at each `assistant cluster run`: edits are lost\n"
        + (f"user {user};\n" if user else "")
        + "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {base / 'nginx.pid'};\n"
        f"error_log {base / 'error.log'} warn;\n"
        "events {\n    worker_connections 1024;\n}\n"
        "http {\n"
        "    server_tokens off;\n"
        f"    {LOG_FORMAT}\n"
        f"    access_log {layout.log('nginx-access')} assistant;\n"
        f"{temp}"
        f"{site}"
        "}\n"
    )


TEMPLATE_HEAD = """\
# nginx site of the assistant on one host, e.g. /etc/nginx/conf.d/assistant.conf (it goes
# inside http {}). Printed by `assistant cluster nginx-conf` for the default ports
# (CLUSTER_RASA=2, CLUSTER_ACTIONS=2): the same text `make cluster` renders, except the front's
# listen address; tests/cluster/test_nginx.py keeps the two equal.
# Behind it (deploy/systemd): assistant-rasa@5005 and @5006, assistant-actions@5055 and
# @5056, assistant-web (8080). Passive health checks only: open-source nginx has no active
# ones. TLS: add `listen 443 ssl;` with your certificate to the first server, or end TLS in
# front of this host.
"""


def production_template(ports: Ports, listen: str = "80") -> str:
    return TEMPLATE_HEAD + "\n" + render_site(ports, listen=listen)
