"""Pure parsers: AsyncOS JSON answers -> plain rows and fields. No I/O, nothing about commands."""
