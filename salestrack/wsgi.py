import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestrack.settings")
application = get_wsgi_application()

from salestrack.search import upkeep  # noqa: E402  (needs the settings loaded above)

# Django, the apps and the URLs loaded above live as long as the worker: keep them out of the
# garbage collector's full passes, which otherwise walk them all in the middle of a request.
gc.freeze()
# SQLite: the search indexes' merges and the WAL's checkpoints, beside the requests.
upkeep.start()
