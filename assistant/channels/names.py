"""The channels as staff read them on every page, in the statistics and their exports, keyed
by Rasa input channel name (``rest`` is the chat widget on the portal)."""

CHANNEL_NAMES = {"rest": "Cổng (widget)", "zalo": "Zalo", "facebook": "Messenger"}
