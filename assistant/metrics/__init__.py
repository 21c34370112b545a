"""Prometheus metrics for operators (README: Operations metrics).

- ``series``: what each process counts as it works (messages, reply latency, errors), kept
  in prometheus_client's default registry of the process that counts them (Rasa's channels,
  the action server);
- ``database``: what the database says at scrape time (live desk queue, petitions, outbox,
  catalog and FAQ revisions, the live model), read by the portal's ``/metrics`` only;
- ``server``: the loopback ``/metrics`` server of the Rasa process and the action server.
"""
