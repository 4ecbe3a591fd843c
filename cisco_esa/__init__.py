"""Cisco Email Security (ESA / SMA) SOAR integration over the AsyncOS REST API v2.0."""

__version__ = "0.1.0"


def __getattr__(name):
    # Lazy so that `import cisco_esa` (the CLI's start, --version) does not pull in the client stack.
    if name == "Integration":
        from cisco_esa.integration import Integration

        return Integration
    raise AttributeError(name)


__all__ = ["Integration", "__version__"]
