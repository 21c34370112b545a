"""The declarative base every table's model derives from."""

from sqlalchemy.orm import declarative_base

# SQLAlchemy 1.4 (pinned by Rasa 3.6) has no ``mapped_column``: models use the 1.4 Column
# spelling and are queried only in 2.0 style (``select()``, ``future=True`` engine).
Base = declarative_base()
