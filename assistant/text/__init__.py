"""The Vietnamese text toolkit every part of the assistant reads text with.

Pure functions, no database and no Rasa: the NLU components, the catalog search, the FAQ
retrieval, the inbox grouping, the dossier lookup and the privacy filter all use them, so
that one message means the same thing to each of them. Imports go one way:
:mod:`normalize` (Unicode, tone marks, diacritic folding, protected pieces such as dossier
codes) ← :mod:`lexicon` (abbreviations and teencode) ← :mod:`segment` (underthesea words
with offsets, and :func:`~assistant.text.segment.normalize_text`, the message as the NLU
reads it). :mod:`weights` is the term weighting (idf, tf, TF-IDF) of the catalog search, the
FAQ retrieval and the intent classifier.
"""
