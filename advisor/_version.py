"""The advisor's version, in a module of its own: the core may read it without importing the
package's public API (which names edges such as the loader)."""

__version__ = "0.1.0"
