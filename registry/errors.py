"""Registry errors, importable without the database layer."""


class NoLiaison(Exception):
    """A notification's unit has no liaison (or head) in the directory."""
