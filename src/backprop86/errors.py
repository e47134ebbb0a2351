"""The one error type users see: a one-line message naming the field and what is allowed."""


class ConfigError(ValueError):
    """Bad user input: unknown task, bad config value, impossible architecture.

    The message is a single line of the form ``<field>: <problem>; allowed: <what>``
    so that command-line tools can print it as-is and exit with status 2.
    """

    def __init__(self, field: str, problem: str, allowed: str | None = None):
        message = f"{field}: {problem}"
        if allowed:
            message += f"; allowed: {allowed}"
        super().__init__(message)
        self.field, self.problem, self.allowed = field, problem, allowed

    def under(self, prefix: str) -> "ConfigError":
        """The same error with its field named inside ``prefix`` (e.g. ``settings.eps``)."""
        if self.field == prefix or self.field.startswith(prefix + "."):
            return self
        return ConfigError(f"{prefix}.{self.field}", self.problem, self.allowed)
