"""``manage.py`` for the peers: ``DJANGO_SETTINGS_MODULE=peers.<name>.settings``."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
