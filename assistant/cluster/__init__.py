"""``assistant cluster``: the whole service on one machine, several Rasa replicas behind nginx.

plan.py (ports, command lines, environment: pure), nginx.py (its configuration, rendered from
the plan), keys.py (the cluster's secrets, made once), postgres.py (the persistent
PostgreSQL), replica.py (one Rasa replica with the live model), run.py (start, supervise,
stop), cli.py (the commands).
"""
