"""The assistant's rasa-sdk actions, one module per topic.

rasa-sdk imports this package first, so the action server masks personal numbers in all it
logs from here on (assistant/privacy.py), and serves its metrics on loopback
(``METRICS_PORT_ACTIONS``; only inside rasa-sdk's server, not when a test imports an action).
"""

from assistant.metrics.server import serve_in_action_server
from assistant.privacy import install_log_masking

install_log_masking()
serve_in_action_server()
