"""Retraining that cannot make things worse (issue #6).

data.py builds the training data (the repository's plus what staff added in the database),
job.py trains a candidate with progress, scoring.py scores it on the held-out split and the
test stories, gate.py decides, registry.py keeps the history of models and the live one,
rasa_api.py switches the running Rasa server to it, runner.py starts jobs in the background.
"""
