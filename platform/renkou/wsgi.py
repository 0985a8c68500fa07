"""The WSGI entry point: gunicorn serves ``renkou.wsgi:app``.

The application is built from the environment (``RENKOU_*``, see ``renkou.config``) when this module
is imported. ``deploy/gunicorn.conf.py`` preloads it in the master and disposes the inherited database
pools in each worker after fork.
"""

from renkou.app import create_app

app = create_app()
