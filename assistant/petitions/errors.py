"""The one error petitions raise for a citizen's or staff member's request."""


class PetitionError(ValueError):
    """A refused request; the message is Vietnamese, polite, and shown as is."""
