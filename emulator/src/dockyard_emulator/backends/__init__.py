"""VM backends with real machines behind them (the ``container`` backend). Import the backend module
itself (``dockyard_emulator.backends.container``): it needs the Docker SDK, which the ``none``
backend does not."""
