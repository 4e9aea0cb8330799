"""Registry errors, importable without the database layer."""


class NoLiaison(Exception):
    """A notification's unit has no liaison (or head) in the directory."""


class NoParty(Exception):
    """A notice to a case's parties found no party of that role registered for the case."""
