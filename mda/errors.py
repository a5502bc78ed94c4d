"""The project's exceptions: one root, narrow subclasses.

A message says what was checked, what was found, and how to fix it.
"""


class MdaError(Exception):
    """Root of every error the project raises on purpose."""


class InputFormatError(MdaError):
    """An input file is not in a format the pipeline can read (unknown, wrong header...)."""


class InputFileError(MdaError):
    """An input file cannot be read at all (missing, truncated, not gzip...)."""


class ReferenceLayerError(MdaError):
    """A cable, zone or coastline layer cannot be used (bad GeoJSON, unknown CRS...)."""


class ConfigError(MdaError):
    """A setting or region configuration is invalid."""


class StoreError(MdaError):
    """The PostGIS warehouse cannot be reached or is not set up."""


class DownloadError(MdaError):
    """A file could not be downloaded or failed verification (size, checksum, archive)."""


class DayNotFoundError(DownloadError):
    """The server has no file for the requested day (HTTP 404/410)."""


class UnsafeArchiveError(InputFileError):
    """A zip archive names paths outside its folder, holds links, or looks like a zip bomb."""
