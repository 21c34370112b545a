"""Synthetic traffic: a realistic day of conversations in Rasa's tracker store, and the staff
desk's rows of that day, with the figures the statistics must show for it.

Staff judge the statistics page by a day they can recognise, and a test or a benchmark needs
figures known in advance. :func:`generate` writes whole conversations into the ``events``
table as Rasa 3.6 writes them and counts, as it writes and without any roll-up code, what it
wrote in an :class:`Expected`. :func:`generate_desk_rows` then adds that day's ratings,
handoffs, petitions and inbox entries, tied to the generated conversations, and returns a
:class:`DeskCounts`. The same day, seed and size always give the same rows.

The parts: ``mix`` (the shares a day is drawn from), ``words`` (the Vietnamese), ``steps``
(what a turn is made of), ``answers`` and ``errands`` (the moves, one thing a citizen does),
``planner`` (a day's conversations and their figures), ``expected`` (those figures),
``traffic`` (the tracker store's rows) and ``desk`` (the desk's rows).
"""

from assistant.analytics.synthetic.desk import STAFF, DeskCounts, generate_desk_rows
from assistant.analytics.synthetic.expected import (
    ChannelFigures,
    Expected,
    Rating,
    Report,
    Ticket,
    Unanswered,
)
from assistant.analytics.synthetic.mix import CHANNELS, PROCEDURES
from assistant.analytics.synthetic.planner import local_day_bounds, sender_id
from assistant.analytics.synthetic.traffic import Progress, catalog_procedures, generate

__all__ = [
    "CHANNELS",
    "PROCEDURES",
    "STAFF",
    "ChannelFigures",
    "DeskCounts",
    "Expected",
    "Progress",
    "Rating",
    "Report",
    "Ticket",
    "Unanswered",
    "catalog_procedures",
    "generate",
    "generate_desk_rows",
    "local_day_bounds",
    "sender_id",
]
