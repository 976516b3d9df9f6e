"""Root conftest: keeps pytest's rootdir at the project so imports resolve."""
