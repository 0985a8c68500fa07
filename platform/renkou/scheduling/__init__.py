"""Schedules and the state of the job queues, for the county's jobs page and for the tick job.

Where things live, and why (imports flow renkou core <- tenants <- workers, DESIGN.md §2):

- ``renkou.scheduling.registry`` holds the ``Schedule`` definition and the open list of schedules.
  A schedule names its dispatcher by dotted path (a string), so this core package never imports
  ``workers``.
- ``workers/schedules.py`` registers the default schedules and holds ``tick()``, which imports each
  dispatcher by its path when it runs. Later modules (the bureau's monthly reports) register theirs
  the same way.
- ``renkou.app`` (the composition root, allowed to know everyone) imports ``workers.schedules`` so
  the web process sees the same list as the workers; the county's jobs page
  (``renkou.county.jobs``) reads it from here, together with the shared tables
  (``schedule_settings``, ``schedule_runs``) and Redis — never a town's tables.
- ``renkou cron`` (renkou.cli) starts RQ's cron scheduler, which only enqueues ``tick()`` every
  minute; everything about what is due lives in the database and in this package.
"""
