"""Deciding what a question gets: answer, confirm, clarify, FAQ or an honest decline."""
