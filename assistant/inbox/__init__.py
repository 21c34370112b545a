"""The unanswered-question inbox: what citizens asked that the assistant could not answer,
grouped for staff, and what staff decided (training paraphrase, FAQ, alias, noise)."""
