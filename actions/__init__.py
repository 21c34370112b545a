"""The assistant's rasa-sdk actions, one module per topic.

rasa-sdk imports this package first, so the action server masks personal numbers in all it
logs from here on (assistant/privacy.py).
"""

from assistant.privacy import install_log_masking

install_log_masking()
