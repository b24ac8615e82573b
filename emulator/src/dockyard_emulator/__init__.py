"""A local Azure Resource Manager + Microsoft Entra token endpoint emulator."""

__version__ = "0.1.0"
