"""WSGI entry point (waitress serves it; see :mod:`itinerant.desk.server`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itinerant.desk.settings")
application = get_wsgi_application()
