"""REST compatibility surface: thin DRF views over the ``users`` services."""
