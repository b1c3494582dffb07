"""One module per monitor protocol, each exposing ``DRIVER: DriverInfo`` (pure: no Qt, no I/O)."""
