"""Errors whose message is written for the person using the app: one line, no traceback."""


class UserError(Exception):
    """Something the user can act on (a bad file, not enough memory, offline...).

    The CLI prints `str(err)` and exits 1; the window shows it in place. Anything else that
    escapes is a bug and is logged with its traceback.
    """
