"""Statistics for staff and the IOC: per-turn outcomes carried in Rasa's tracker, a daily
roll-up of the tracker events, reports (page, CLI, JSON API, CSV and XLSX) and retention."""
