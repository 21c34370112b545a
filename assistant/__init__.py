"""Vietnamese public-service assistant: everything that is not a Rasa action."""

__version__ = "0.1.0"
