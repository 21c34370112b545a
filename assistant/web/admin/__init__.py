"""The staff app at /admin: FAQ, aliases, the unanswered-question inbox, gated retraining,
accounts and the audit log. Server-rendered HTML (Jinja2, autoescaped) on aiohttp."""
